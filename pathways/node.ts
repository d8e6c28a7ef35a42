// Node-only entry of pathways/: reading datasets from disk and the official download.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { IpdError } from '../common';
import { cacheDir, downloadVerified } from '../common/node';
import { parseDataset, selectPerTask, type ParseDatasetOptions, type ParsedDataset } from './dataset';
import { OFFICIAL_TEST_SET } from './official-data';

export { OFFICIAL_TEST_SET };

export interface ReadDatasetOptions extends ParseDatasetOptions {
  perTask?: number;
}

export async function readDataset(file: string, opts: ReadDatasetOptions = {}): Promise<ParsedDataset> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new IpdError('DATA_NOT_FOUND', `cannot read dataset ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      file,
      hint: 'pass --data PATH to an IP-Dialog JSONL file',
      cause: err,
    });
  }
  const parsed = parseDataset(text, file, opts);
  return { ...parsed, items: selectPerTask(parsed.items, opts.perTask) };
}

/**
 * `--data PATH` as given, or the official test set from the cache, downloaded once
 * (sha256-checked) when it is not there yet.
 */
export async function resolveDataFile(data?: string): Promise<string> {
  if (data) return data;
  const dest = cacheDir('data', OFFICIAL_TEST_SET.fileName);
  if (existsSync(dest)) return dest;
  process.stderr.write(`downloading the IP-Dialog test set to ${dest}\n`);
  await downloadVerified({
    url: OFFICIAL_TEST_SET.url,
    dest,
    sha256: OFFICIAL_TEST_SET.sha256,
    what: 'the IP-Dialog test set',
    offlineHint: 'without network access, pass --data PATH to a local copy of filtered_data_test_1000.jsonl',
  });
  return dest;
}
