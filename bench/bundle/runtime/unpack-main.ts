// unpack.mjs: run.sh's first step with the bundle's Node. Writes every payload file and the
// Vulkan loader into the private prefix; prints one JSON line of what it wrote.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MANIFEST_FILE, VULKAN_DEB_DIR, VULKAN_PREFIX, type GpuBundleManifest } from '../layout';
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
const deb = readdirSync(path.join(bundle, VULKAN_DEB_DIR)).find((f) => f.endsWith('.deb'));
if (!deb) throw new Error(`no .deb in ${path.join(bundle, VULKAN_DEB_DIR)}`);
const vulkan = await unpackDeb(path.join(bundle, VULKAN_DEB_DIR, deb), path.join(prefix, VULKAN_PREFIX));
process.stdout.write(`${JSON.stringify({ files: manifest.files.length, vulkanDeb: deb, vulkanFiles: vulkan.length, seconds: (performance.now() - t0) / 1000 })}\n`);
