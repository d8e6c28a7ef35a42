// The files of a generated model with their sizes and sha256: the same preset and seed write the
// same bytes anywhere, so a reader can check the lent machine ran the model they have.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../../../common/node';

export interface ModelInfo {
  files: Record<string, { bytes: number; sha256: string }>;
}

export async function modelInfo(dir: string): Promise<ModelInfo> {
  const files: ModelInfo['files'] = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = { bytes: (await stat(file)).size, sha256: await sha256File(file) };
  }
  return { files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) };
}
