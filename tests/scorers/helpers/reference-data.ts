// Reference files of ../shared/ipdialog for the parity tests, parsed once per test file.
import { readFileSync } from 'node:fs';
import { parseDataset, type DialogItem } from '../../../pathways';
import { referencePath } from '../../helpers/reference';

export const DATA_FILE = 'filtered_data_test_1000.jsonl';
export const CLAUDE_FILE = 'official-outputs/direct-response.claude.jsonl';
export const GOLD_FILE = 'gold/direct-response.claude.jsonl';
export const METRICS_FILE = 'all_datasets_all_models_metrics.json';

export interface GoldRow {
  line: number;
  index: number;
  task: string;
  extracted: { analysis: string; answer: string | string[] };
  answer_acc: number;
  meteor_tokens_ref: string[] | null;
  meteor_tokens_hyp: string[] | null;
  meteor_ref_text: string | null;
  meteor_hyp_text: string | null;
  kendall_tau: number | null;
  extract_patterns: Record<string, string>;
}

const jsonl = <T>(name: string): T[] =>
  readFileSync(referencePath(name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

export const loadItems = (): DialogItem[] => parseDataset(readFileSync(referencePath(DATA_FILE), 'utf8'), DATA_FILE).items.map((l) => l.item);
export const loadClaude = (): Array<{ index: number; predict: string; input: string }> => jsonl(CLAUDE_FILE);
export const loadGold = (): GoldRow[] => jsonl(GOLD_FILE);
export const loadOfficialMetrics = (): Record<string, Record<string, Record<string, Record<string, number>>>> =>
  JSON.parse(readFileSync(referencePath(METRICS_FILE), 'utf8'));
