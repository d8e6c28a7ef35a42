import protocol from './protocol/protocol.json';

/** The ten IP-Dialog tasks, in the order of the official tables. */
export const TASKS = [
  'recommend',
  'rank',
  'filter',
  'predict',
  'preference_infer',
  'risk_detect',
  'intention_infer',
  'advice',
  'decision',
  'convince',
] as const;
export type Task = (typeof TASKS)[number];

export function isTask(value: unknown): value is Task {
  return typeof value === 'string' && (TASKS as readonly string[]).includes(value);
}

/** The 12-attribute dictionary: attribute key -> allowed values. */
export const ATTRIBUTE_DICT: Readonly<Record<string, readonly string[]>> = protocol.tables.attribute_dict;
export const ATTRIBUTE_KEYS = Object.keys(ATTRIBUTE_DICT);
export type AttributeKey = keyof typeof protocol.tables.attribute_dict;

/** How the official scorer compares answers for each task. */
export type AnswerKind = 'exact' | 'options' | 'rank' | 'list' | 'text';
export const ANSWER_KIND: Readonly<Record<Task, AnswerKind>> = {
  decision: 'exact',
  predict: 'exact',
  filter: 'options',
  preference_infer: 'options',
  rank: 'rank',
  risk_detect: 'list',
  intention_infer: 'list',
  advice: 'list',
  recommend: 'text',
  convince: 'text',
};
