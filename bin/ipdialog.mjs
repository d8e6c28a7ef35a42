#!/usr/bin/env node
// Runs the prebuilt CLI while it is fresh (bin/cli-build.mjs: it starts about 0.9 s sooner),
// else the TypeScript directly through tsx's loader: no build step is ever required.
import { freshBuild } from './cli-build.mjs';

const built = freshBuild('ipdialog');
if (built) await import(built);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../bench/cli/main.ts');
}
