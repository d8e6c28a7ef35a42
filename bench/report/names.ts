// Names shared by the report's data preparation, its page and the reference tables.
import { JUDGE_SCORE_NAMES } from '../../scorers';
import type { MetricName } from '../runlog';

/** The five GPT-4o-Score fields, in the paper's column order. */
export const JUDGE_NAMES = JUDGE_SCORE_NAMES;
export type JudgeName = (typeof JUDGE_NAMES)[number];

export const METRIC_LABELS: Readonly<Record<MetricName, string>> = {
  answer_acc: 'Answer accuracy',
  attribute_f1: 'Attribute F1',
  value_f1: 'Value F1',
  relative_value_acc: 'Relative value accuracy',
};

/** Our pathway ids and the official dataset ids the paper's tables are keyed by. */
export const PATHWAY_DATASET_IDS: Readonly<Record<string, string>> = {
  'direct-response': 'alpaca_hq_basic_1000',
  'attribute-filter': 'alpaca_hq_cot1_1000',
  'type-guided': 'alpaca_hq_cot2_1000',
  'full-attributes': 'alpaca_hq_cot3_1000',
  'task-related': 'alpaca_hq_cot4_1000',
};
