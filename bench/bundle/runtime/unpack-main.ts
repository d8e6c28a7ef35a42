// unpack.mjs: run.sh's first step with the bundle's Node. Writes every payload file and the
// Vulkan loader into the private prefix; prints one JSON line of what it wrote.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEB_DIR, MANIFEST_FILE, debPrefix, type DebSet, type GpuBundleManifest } from '../layout';
import { unpackDeb, unpackXzFile } from './unpack';

const { values } = parseArgs({ options: { bundle: { type: 'string' }, prefix: { type: 'string' } } });
if (!values.bundle || !values.prefix) {
  process.stderr.write('usage: unpack.mjs --bundle DIR --prefix DIR\n');
  process.exit(2);
}
const bundle = values.bundle;
const prefix = values.prefix;
const manifest = JSON.parse(readFileSync(path.join(bundle, MANIFEST_FILE), 'utf8')) as GpuBundleManifest;
const t0 = performance.now();
for (const f of manifest.files) await unpackXzFile(path.join(bundle, f.archive), path.join(prefix, f.target), f.sha256, f.mode);
let debFiles = 0;
for (const [set, debs] of Object.entries(manifest.debs) as Array<[DebSet, string[]]>) {
  for (const deb of debs) debFiles += (await unpackDeb(path.join(bundle, DEB_DIR, set, deb), path.join(prefix, debPrefix(set)))).length;
}
process.stdout.write(`${JSON.stringify({ files: manifest.files.length, debs: manifest.debs, debFiles, seconds: (performance.now() - t0) / 1000 })}\n`);
