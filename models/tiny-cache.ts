// Generated tiny models, built once into a cache folder and reused: `--model tiny` for users
// (under the ipdialog cache) and the test suites (under the repo's ignored .cache/). Node only.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TinyModelOptions } from './tiny';

const TINY_SOURCES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tiny');

let fingerprint: string | undefined;

/** Short hash of the factory's sources: a changed factory gets fresh folders, never stale ones. */
function factoryFingerprint(): string {
  if (fingerprint === undefined) {
    const h = createHash('sha256');
    for (const f of readdirSync(TINY_SOURCES).sort()) h.update(f).update(readFileSync(path.join(TINY_SOURCES, f)));
    fingerprint = h.digest('hex').slice(0, 10);
  }
  return fingerprint;
}

const pending = new Map<string, Promise<string>>();

export interface EnsureTinyModelOptions {
  /** Hears about a build before it starts. */
  onBuild?: (dir: string) => void;
  /**
   * Delete folders of the same options made by another version of the factory. Only for a
   * cache one checkout owns (the test suites'): in a shared cache another checkout may be using them.
   */
  pruneOlder?: boolean;
}

/**
 * The folder of a generated model for these options under `cacheRoot`, built on first use.
 * Generation writes into a private temp folder and renames it into place, so racing
 * processes never see a half-written model: the loser of the rename deletes its copy and
 * uses the winner's (the bytes are identical).
 */
export async function ensureTinyModel(cacheRoot: string, opts: TinyModelOptions = {}, how: EnsureTinyModelOptions = {}): Promise<string> {
  const { tinyModelName } = await import('./tiny');
  const name = `${tinyModelName(opts)}-f${factoryFingerprint()}`;
  const key = path.join(cacheRoot, name);
  let p = pending.get(key);
  if (!p) {
    p = build(cacheRoot, name, opts, how);
    pending.set(key, p);
    p.catch(() => pending.delete(key));
  }
  return p;
}

async function build(cacheRoot: string, name: string, opts: TinyModelOptions, how: EnsureTinyModelOptions): Promise<string> {
  const dir = path.join(cacheRoot, name);
  if (existsSync(dir)) return dir;
  how.onBuild?.(dir);
  const { createTinyModel } = await import('./tiny');
  await mkdir(cacheRoot, { recursive: true });
  if (how.pruneOlder) await removeStale(cacheRoot, name);
  const tmp = path.join(cacheRoot, `.tmp-${name}-${process.pid}-${Date.now()}`);
  try {
    await createTinyModel({ ...opts, out: tmp });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    // Another process renamed its copy into place first.
    if (existsSync(dir) && ['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) return dir;
    throw err;
  }
  return dir;
}

/** Folders of the same options built by an older factory (a different fingerprint). */
async function removeStale(cacheRoot: string, name: string): Promise<void> {
  const base = name.slice(0, name.lastIndexOf('-f'));
  for (const entry of await readdir(cacheRoot)) {
    if (entry !== name && entry.startsWith(`${base}-f`) && /^[0-9a-f]{10}$/.test(entry.slice(base.length + 2))) {
      await rm(path.join(cacheRoot, entry), { recursive: true, force: true });
    }
  }
}
