// Worker bootstrap: the engine host prebuilt by bin/cli-build.mjs while it is fresh, else its
// TypeScript through tsx's loader.
import { freshBuild } from '../../bin/cli-build.mjs';

const built = freshBuild('worker-main');
if (built) await import(built);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./worker-main.ts');
}
