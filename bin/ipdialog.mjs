#!/usr/bin/env node
// Runs the prebuilt CLI while it is fresh (bin/cli-build.mjs: it starts about 0.9 s sooner),
// else the TypeScript directly through tsx's loader: no build step is ever required.
import { importBuiltOr } from './cli-build.mjs';

await importBuiltOr('ipdialog', new URL('../bench/cli/main.ts', import.meta.url).href);
