// Worker bootstrap: the engine host prebuilt by bin/cli-build.mjs while it is fresh, else its
// TypeScript through tsx's loader.
import { importBuiltOr } from '../../bin/cli-build.mjs';

await importBuiltOr('worker-main', new URL('./worker-main.ts', import.meta.url).href);
