// A small record beside the cached files of one model: the commit they came from and what each
// file measured when it was verified. transformers.js' cache keeps no headers, so without it an
// offline run could not report the revision, and a file changed behind our back (an interrupted
// copy, an edit) would go unnoticed. Files that transformers.js downloaded have no entry and
// are trusted as it trusts them.
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const MANIFEST_NAME = '.ipdialog-hub.json';

export interface ManifestFile {
  size: number;
  sha256: string;
  /** Whether the hub gave a sha256 to check against (LFS files). */
  sha256Verified: boolean;
  downloadedAt: string;
}

export interface HubManifest {
  id: string;
  /** Commit sha (X-Repo-Commit), else the config.json ETag. */
  revision?: string;
  /** Only a commit may pin later downloads: a git blob sha1 ETag also has 40 hex digits. */
  revisionKind?: 'commit' | 'config-etag';
  host?: string;
  files: Record<string, ManifestFile>;
  /** Optional files the hub answered 404 for, so a cached model needs no network to know. */
  absent: string[];
}

export async function readManifest(folder: string, id: string): Promise<HubManifest> {
  const file = path.join(folder, MANIFEST_NAME);
  const empty: HubManifest = { id, files: {}, absent: [] };
  if (!existsSync(file)) return empty;
  try {
    const m = JSON.parse(await readFile(file, 'utf8')) as Partial<HubManifest>;
    // A manifest is advisory: a damaged one is replaced, never fatal.
    if (m.id !== id || typeof m.files !== 'object' || m.files === null) return empty;
    return { id, revision: m.revision, revisionKind: m.revisionKind, host: m.host, files: m.files, absent: Array.isArray(m.absent) ? m.absent : [] };
  } catch {
    return empty;
  }
}

export async function writeManifest(folder: string, m: HubManifest): Promise<void> {
  const file = path.join(folder, MANIFEST_NAME);
  const tmp = `${file}.${process.pid}.partial`;
  try {
    await writeFile(tmp, `${JSON.stringify(m, null, 2)}\n`);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}
