// The paper's published direct-response outputs and GPT-4o-Score table, pinned to a commit of
// the IP-Dialog repository and checked by sha256, like the test set (pathways/official-data.ts).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { IpdError } from '../../common';
import { cacheDir, downloadVerified } from '../../common/node';

const COMMIT = '2218c1c3aa4dc160d13c8de5d827d245b1b200a3';
const RAW = `https://raw.githubusercontent.com/OpenCausaLab/IP-Dialog/${COMMIT}`;

/** The dataset id of the direct-response pathway in the paper's tables. */
export const DIRECT_RESPONSE_DATASET = 'alpaca_hq_basic_1000';

/** Models whose direct-response outputs the repository publishes, named as in gpt4o_eval_new.json. */
export const PUBLISHED_OUTPUTS: Readonly<Record<string, { label: string; sha256: string }>> = {
  claude: { label: 'Claude-3.5-Sonnet', sha256: 'ecde9cbf40d5cd0c1f92ac2aa5e5f5789a58e9dfb0058355bf1f1a93b39fc4a4' },
  qwen: { label: 'Qwen', sha256: '2034e82d3e7746a3c9b4a4579ee4df22aa9946508f5c16c896d08a6d55fd4e44' },
  'llama3-1': { label: 'Llama-3.1-8B', sha256: '1e21ec45481efe8bada1a2174e375685a93247dfa36a9a026704f3780479fcbc' },
};

export const OFFICIAL_JUDGE_TABLE = {
  fileName: 'gpt4o_eval_new.json',
  url: `${RAW}/evaluate_models/output_metrics/gpt4o_eval_new.json`,
  sha256: '5a39ea57868df897a1d2de7c18d94117bc6519ddd6f64176079a59916ece4ef3',
};

export interface OutputsFile {
  model: string;
  file: string;
}

/**
 * `--outputs DIR`: every `<model>.jsonl` in DIR, the model named as in gpt4o_eval_new.json
 * (`known`); without it, the three published files, downloaded once into the cache.
 */
export async function resolveOutputs(dir: string | undefined, known: readonly string[]): Promise<OutputsFile[]> {
  if (dir) {
    if (!existsSync(dir)) throw new IpdError('DATA_NOT_FOUND', `--outputs ${dir} does not exist`, { file: dir });
    const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
    if (files.length === 0) {
      throw new IpdError('DATA_NOT_FOUND', `no <model>.jsonl files in ${dir}`, { file: dir, hint: `name each file after its model in gpt4o_eval_new.json: ${known.join(', ')}` });
    }
    const unknown = files.filter((f) => !known.includes(f.slice(0, -'.jsonl'.length)));
    if (unknown.length > 0) {
      throw new IpdError('USAGE', `${dir}: ${unknown.join(', ')} name no model of the official GPT-4o-Score table`, {
        file: path.join(dir, unknown[0]),
        hint: `the official table has direct-response scores for ${known.join(', ')}`,
      });
    }
    return files.map((f) => ({ model: f.slice(0, -'.jsonl'.length), file: path.join(dir, f) }));
  }
  const out: OutputsFile[] = [];
  for (const [model, { label, sha256 }] of Object.entries(PUBLISHED_OUTPUTS)) {
    const dest = cacheDir('data', 'outputs', DIRECT_RESPONSE_DATASET, `${model}.jsonl`);
    if (!existsSync(dest)) {
      process.stderr.write(`downloading the published ${label} direct-response outputs to ${dest}\n`);
      await downloadVerified({
        url: `${RAW}/evaluate_models/output/${DIRECT_RESPONSE_DATASET}/${model}.jsonl`,
        dest,
        sha256,
        what: `the published ${label} outputs`,
        offlineHint: `without network access, pass --outputs DIR holding ${Object.keys(PUBLISHED_OUTPUTS).map((m) => `${m}.jsonl`).join(', ')}`,
      });
    }
    out.push({ model, file: dest });
  }
  return out;
}

/** `--reference DIR` holding gpt4o_eval_new.json, or the published table downloaded once. */
export async function resolveJudgeTable(dir: string | undefined): Promise<string> {
  if (dir) return path.join(dir, OFFICIAL_JUDGE_TABLE.fileName);
  const dest = cacheDir('data', OFFICIAL_JUDGE_TABLE.fileName);
  if (!existsSync(dest)) {
    process.stderr.write(`downloading the official GPT-4o-Score table to ${dest}\n`);
    await downloadVerified({ ...OFFICIAL_JUDGE_TABLE, dest, what: 'the official GPT-4o-Score table', offlineHint: 'without network access, pass --reference DIR holding gpt4o_eval_new.json' });
  }
  return dest;
}
