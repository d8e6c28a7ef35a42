// One file from the hub into the cache, all or nothing: the bytes stream into a private temp name
// beside the target, are counted and hashed on the way, and the temp file is renamed onto the cache
// name only when the size and sha256 match what the hub announced. transformers.js trusts any file
// present under the cache name, so nothing else may ever appear there.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { IpdError } from '../../common';
import { hubFileError, type HubFileContext } from './errors';
import type { DownloadProgress } from './progress';
import { hubRequestHeaders, stripEtag, type FetchFn, type RemoteFileInfo } from './remote-file';

export interface DownloadedFile {
  size: number;
  sha256: string;
  verified: { size: boolean; sha256: boolean };
}

export interface DownloadFileOptions {
  fetchFn: FetchFn;
  info: RemoteFileInfo;
  dest: string;
  ctx: HubFileContext;
  progress?: DownloadProgress;
}

/** Temp names never match a cache key, and differ per process and call. */
export function partialName(dest: string): string {
  return `${dest}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temp files of killed downloads (their process is gone) would pile up beside the cache name. */
export async function removeStalePartials(dest: string): Promise<void> {
  const dir = path.dirname(dest);
  const base = path.basename(dest);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(`${base}.`) ? name.slice(base.length + 1).match(/^(\d+)-[0-9a-f]{8}\.partial$/) : null;
    if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) await rm(path.join(dir, name), { force: true });
  }
}

export async function downloadHubFile({ fetchFn, info, dest, ctx, progress }: DownloadFileOptions): Promise<DownloadedFile> {
  const started = performance.now();
  let res: Response;
  try {
    res = await fetchFn(info.url, { headers: hubRequestHeaders(info.url), redirect: 'follow' });
  } catch (err) {
    throw hubFileError('network', ctx, (err as Error).cause ? `${(err as Error).message} (${String((err as Error).cause)})` : (err as Error).message, err);
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 404) throw hubFileError('not-found', ctx, 'HTTP 404');
    if (res.status === 401 || res.status === 403) throw hubFileError('denied', ctx, `HTTP ${res.status}`);
    throw hubFileError('http', ctx, `HTTP ${res.status}`);
  }

  // Without compression Content-Length is the file size; the HEAD answer wins when both exist.
  const lengthHeader = res.headers.get('content-encoding') ? null : res.headers.get('content-length');
  const total = info.size ?? (lengthHeader && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined);
  const getTag = stripEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
  const expectedSha = info.sha256 ?? (getTag && /^[0-9a-f]{64}$/i.test(getTag) ? getTag.toLowerCase() : undefined);

  await mkdir(path.dirname(dest), { recursive: true });
  await removeStalePartials(dest);
  const tmp = partialName(dest);
  const hash = createHash('sha256');
  let loaded = 0;
  let done = false;
  progress?.({ id: ctx.id, file: ctx.file, loaded, total, elapsedMs: 0, phase: 'start' });
  const fh = await open(tmp, 'w');
  const reader = res.body.getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        const cause = (err as Error).cause ? ` (${String((err as Error).cause)})` : '';
        throw hubFileError('truncated', ctx, `the transfer broke after ${loaded}${total !== undefined ? ` of ${total}` : ''} bytes: ${(err as Error).message}${cause}`, err);
      }
      if (chunk.done) break;
      hash.update(chunk.value);
      await writeAll(fh, chunk.value, tmp, ctx);
      loaded += chunk.value.byteLength;
      progress?.({ id: ctx.id, file: ctx.file, loaded, total, elapsedMs: performance.now() - started, phase: 'data' });
    }
    await fh.sync();
    await fh.close();
    if (total !== undefined && loaded !== total) {
      throw hubFileError('truncated', ctx, `received ${loaded} bytes, expected ${total} (Content-Length)`);
    }
    const sha256 = hash.digest('hex');
    if (expectedSha !== undefined && sha256 !== expectedSha) {
      throw hubFileError('checksum', ctx, `sha256 ${sha256} does not match the hub's ${expectedSha}`);
    }
    await rename(tmp, dest);
    done = true;
    const verified = { size: total !== undefined, sha256: expectedSha !== undefined };
    progress?.({ id: ctx.id, file: ctx.file, loaded, total, elapsedMs: performance.now() - started, phase: 'done', verified });
    return { size: loaded, sha256, verified };
  } finally {
    await fh.close().catch(() => undefined);
    if (!done) {
      await reader.cancel().catch(() => undefined);
      await rm(tmp, { force: true });
    }
  }
}

async function writeAll(fh: FileHandle, bytes: Uint8Array, tmp: string, ctx: HubFileContext): Promise<void> {
  try {
    await fh.write(bytes);
  } catch (err) {
    throw new IpdError('DATA_DOWNLOAD', `cannot write ${tmp} while downloading ${ctx.file} of ${ctx.id}: ${(err as Error).message}`, {
      file: ctx.folder,
      hint: 'free disk space or move the cache with IPDIALOG_CACHE',
      cause: err,
    });
  }
}
