// The CLI and its engine host as two prebuilt ES modules (`npm run build`; `npm test` and
// `npm run bench:perf` build first; `npm ci` runs no scripts here, see .npmrc). Running the
// TypeScript through tsx's loader costs about 1.1 s per process start on a small machine (every
// import goes through the loader thread); the prebuilt files start in about 0.45 s. The entries
// use them only while they are fresh (built in this checkout and no newer than any source they
// hold); otherwise they run the TypeScript as before, so an edited source is never run stale.
// Plain JavaScript: it must run before anything is built.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD_DIR = path.join(ROOT, '.cli-build');
const MANIFEST = 'manifest.json';

/** Output name -> TypeScript entry (the engine host is what engine/node-host/worker-entry.mjs starts). */
export const ENTRIES = { ipdialog: 'bench/cli/main.ts', 'worker-main': 'engine/node-host/worker-main.ts' };

/**
 * The prebuilt file for `name` (a key of ENTRIES) when it is fresh, else undefined.
 * Costs one stat per source file (about 5 ms).
 */
export function freshBuild(name, dir = BUILD_DIR, root = ROOT) {
  const file = path.join(dir, `${name}.mjs`);
  try {
    const m = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8'));
    if (m.root !== root || !m.outputs.includes(`${name}.mjs`) || !existsSync(file)) return undefined;
    for (const input of m.inputs) if (statSync(path.join(root, input)).mtimeMs > m.builtAtMs) return undefined;
    return pathToFileURL(file).href;
  } catch {
    return undefined;
  }
}

/** Imports the prebuilt `name` while it is fresh, else `source` (a TypeScript file's URL) through tsx's loader. */
export async function importBuiltOr(name, source) {
  const built = freshBuild(name);
  if (built) return import(built);
  const { register } = await import('tsx/esm/api');
  register();
  return import(source);
}

/**
 * Builds every entry into `dir`. Packages stay imports of node_modules (only this
 * repository's sources are bundled), and each source's `import.meta.url` is replaced by its
 * own file's URL, so paths it resolves beside itself (page assets, the tiny-model sources,
 * the engine host's entry) are the same as when it runs unbundled.
 */
export async function buildCli(dir = BUILD_DIR, root = ROOT) {
  const { build } = await import('esbuild');
  const ownUrl = {
    name: 'own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const text = readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
        return { contents: text, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
  const startedMs = Date.now();
  mkdirSync(dir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir: dir,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'error',
    plugins: [ownUrl],
  });
  // Sources edited while the build ran count as newer than it: the start time is the stamp.
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/'));
  const outputs = Object.keys(ENTRIES).map((n) => `${n}.mjs`);
  writeFileSync(path.join(dir, MANIFEST), JSON.stringify({ root, builtAtMs: startedMs, inputs: [...inputs, 'package-lock.json'], outputs }, null, 1));
  return { dir, inputs: inputs.length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { inputs } = await buildCli();
    process.stdout.write(`ipdialog: built the CLI from ${inputs} sources into ${path.relative(process.cwd(), BUILD_DIR) || '.'}\n`);
  } catch (err) {
    // Without esbuild (an install without dev dependencies) the CLI runs the TypeScript.
    process.stderr.write(`ipdialog: CLI not prebuilt (${err.message.split('\n')[0]}); it runs the TypeScript sources instead\n`);
  }
}
