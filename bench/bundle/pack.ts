// Compression for the bundle, cached by content: the big inputs (Node, onnxruntime, tokenizers)
// rarely change, and xz -9 of onnxruntime alone takes most of a minute on two cores.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants as zlib } from 'node:zlib';
import { IpdError } from '../../common';
import { cacheDir, sha256File } from '../../common/node';

function cached(name: string): string {
  return cacheDir('gpu-bundle', name);
}

/** Writes `make(tmp)`'s result to the cache under `name` once; later calls copy it. */
async function viaCache(name: string, dest: string, make: (tmp: string) => Promise<void>): Promise<void> {
  const file = cached(name);
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await make(tmp);
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
  }
  await mkdir(path.dirname(dest), { recursive: true });
  await copyFile(file, dest);
}

/** `xz -9` of one file (the runtime decodes it with xz-decompress, XZ Embedded in wasm). */
export async function xzFile(src: string, sha256: string, dest: string): Promise<void> {
  if (spawnSync('xz', ['--version']).status !== 0) {
    throw new IpdError('USAGE', 'building the GPU bundle needs the xz command', { hint: 'apt-get install xz-utils' });
  }
  await viaCache(`xz/${sha256}.xz`, dest, async (tmp) => {
    const child = spawn('xz', ['-9', '-T1', '-c', src], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    await pipeline(child.stdout, createWriteStream(tmp));
    const code = await done;
    if (code !== 0) throw new IpdError('INTERNAL', `xz failed on ${src} (exit ${code}): ${stderr.trim()}`);
  });
}

/**
 * The Node binary, stripped of its symbol tables when `strip` is there (86 instead of 99 MB
 * for Node 20), then gzip'd: gzip is the one decompressor every Linux base system has.
 */
export async function packNode(nodeBinary: string, dest: string): Promise<{ sha256: string; stripped: boolean }> {
  const sha256 = await sha256File(nodeBinary);
  const canStrip = spawnSync('strip', ['--version']).status === 0;
  await viaCache(`node/${sha256}${canStrip ? '-stripped' : ''}.gz`, dest, async (tmp) => {
    let src = nodeBinary;
    if (canStrip) {
      src = `${tmp}.bin`;
      const r = spawnSync('strip', ['--strip-all', '-o', src, nodeBinary], { encoding: 'utf8' });
      if (r.status !== 0) throw new IpdError('INTERNAL', `strip failed on ${nodeBinary}: ${r.stderr.trim()}`);
    }
    try {
      await pipeline(createReadStream(src), createGzip({ level: zlib.Z_BEST_COMPRESSION }), createWriteStream(tmp));
    } finally {
      if (src !== nodeBinary) await rm(src, { force: true });
    }
  });
  return { sha256, stripped: canStrip };
}
