import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IpdError } from './errors';

export interface DownloadOptions {
  url: string;
  dest: string;
  sha256?: string;
  /** Extra words for errors: what is being downloaded and how to avoid the download. */
  what: string;
  offlineHint: string;
}

/**
 * Downloads a file to `dest` atomically (temp file + rename), checking its sha256.
 * A failed or mismatching download leaves nothing at `dest`.
 */
export async function downloadVerified(opts: DownloadOptions): Promise<void> {
  let res: Response;
  try {
    res = await fetch(opts.url);
  } catch (err) {
    throw new IpdError('DATA_DOWNLOAD', `cannot download ${opts.what} from ${opts.url}: ${(err as Error).message}`, {
      hint: opts.offlineHint,
      cause: err,
    });
  }
  if (!res.ok) {
    throw new IpdError('DATA_DOWNLOAD', `downloading ${opts.what} from ${opts.url} failed: HTTP ${res.status}`, { hint: opts.offlineHint });
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (opts.sha256 && digest !== opts.sha256) {
    throw new IpdError('DATA_DOWNLOAD', `${opts.what} from ${opts.url} has sha256 ${digest}, expected ${opts.sha256}`, {
      hint: opts.offlineHint,
    });
  }
  await mkdir(path.dirname(opts.dest), { recursive: true });
  const tmp = `${opts.dest}.${process.pid}.partial`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, opts.dest);
  } finally {
    await rm(tmp, { force: true });
  }
}
