// Unpacking on the lent machine with nothing but the bundle's own Node: xz through
// xz-decompress (XZ Embedded compiled to wasm), tar through modern-tar, ar read here.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { unpackTar } from 'modern-tar/fs';
import { XzReadableStream } from 'xz-decompress';
import { IpdError } from '../../../common';
import { readArArchive } from './ar';

function xzDecoder(compressed: Readable): Readable {
  const web = new XzReadableStream(Readable.toWeb(compressed) as unknown as ReadableStream<Uint8Array>);
  return Readable.fromWeb(web as unknown as NodeReadableStream<Uint8Array>);
}

/** Decompresses one payload file to `dest` and checks it against the manifest's sha256. */
export async function unpackXzFile(src: string, dest: string, sha256: string, mode: number): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(xzDecoder(createReadStream(src)), tap, createWriteStream(dest));
  const got = hash.digest('hex');
  if (got !== sha256) throw new IpdError('INPUT_INVALID', `${src} does not unpack to what the bundle was built with (sha256 ${got}, expected ${sha256})`, { file: src, hint: 'copy the bundle again' });
  await chmod(dest, mode);
}

/** Unpacks a .deb's data part (files as in the package, under `prefix` instead of /). */
export async function unpackDeb(debFile: string, prefix: string): Promise<string[]> {
  const members = readArArchive(await readFile(debFile), debFile);
  const name = [...members.keys()].find((n) => n.startsWith('data.tar'));
  if (!name) throw new IpdError('INPUT_INVALID', `${debFile} has no data.tar member`, { file: debFile });
  const data = Readable.from([Buffer.from(members.get(name)!)]);
  const tar = name === 'data.tar.xz' ? xzDecoder(data) : name === 'data.tar.gz' ? data.pipe(createGunzip()) : name === 'data.tar' ? data : undefined;
  if (!tar) throw new IpdError('INPUT_INVALID', `${debFile}: ${name} is not supported (xz, gzip or none)`, { file: debFile, hint: "use Debian's package, whose data part is xz" });
  const written: string[] = [];
  await mkdir(prefix, { recursive: true });
  await pipeline(tar, unpackTar(prefix, { map: (h) => (written.push(h.name), h) }));
  return written;
}
