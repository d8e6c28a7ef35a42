/**
 * The figures of one data set (the body of quality.json's `set` and `reference`): lexical
 * diversity, lengths, attribute/task coverage and near-duplicates.
 */
import { DEFAULT_LEXICAL_THRESHOLD, createRng, hashSeed, shuffled, type DialogItem } from '../../pathways';
import { attributeFigures, taskFigures, type AttributeFigures, type TaskFigures } from './coverage';
import { describe, type Distribution } from './distribution';
import { distinctCounts, windowDiversity, type WindowDiversity } from './lexical';
import { ngramIds } from './ngram-ids';
import { nearDuplicateFigures, type NearDuplicateFigures } from './near-duplicates';
import { selfBleu } from './self-bleu';
import { words } from './tokens';

export const TEXT_FIELDS = ['histories', 'requests', 'analyses'] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

export interface QualitySettings {
  /** seed of the window order and the Self-BLEU samples */
  seed: number;
  /** tokens per equal-size window */
  window_tokens: number;
  /** at most this many texts per field go into Self-BLEU */
  self_bleu_sample: number;
  /** the dedup step's cosine threshold */
  near_duplicate_threshold: number;
}

export const DEFAULT_QUALITY_SETTINGS: QualitySettings = {
  seed: 0,
  window_tokens: 1000,
  self_bleu_sample: 500,
  near_duplicate_threshold: DEFAULT_LEXICAL_THRESHOLD,
};

export interface FieldDiversity {
  /** texts in the field (histories: distinct histories; requests: all but risk_detect's fixed one) */
  texts: number;
  tokens: number;
  /** distinct words */
  types: number;
  /** distinct-n over the whole set (falls as a set grows; compare equal_size across sets) */
  distinct_1: number | null;
  distinct_2: number | null;
  distinct_3: number | null;
  /** the same on equal-size windows of the texts in seeded order: comparable across set sizes */
  equal_size: WindowDiversity;
  /** mean BLEU-4 of each sampled text against the other sampled texts (higher = more repetitive) */
  self_bleu: { sample: number; value: number | null };
}

export interface LengthFigures {
  /** dialogue rounds (User + AI) per distinct history */
  rounds_per_history: Distribution;
  /** words per user message, over distinct histories */
  words_per_user_turn: Distribution;
  /** words per AI message, over distinct histories */
  words_per_ai_turn: Distribution;
  /** words per request (risk_detect's fixed request left out) */
  request_words: Distribution;
  /** words per GT analysis */
  analysis_words: Distribution;
  /** words per GT answer (a list answer: its items together) */
  answer_words: Distribution;
}

/** How the page and the summary name each field and length. */
export const FIELD_LABELS: Record<TextField, string> = { histories: 'Histories', requests: 'Requests', analyses: 'GT analyses' };
export const LENGTH_LABELS: Record<keyof LengthFigures, string> = {
  rounds_per_history: 'Rounds per history',
  words_per_user_turn: 'Words per user turn',
  words_per_ai_turn: 'Words per AI turn',
  request_words: 'Words per request',
  analysis_words: 'Words per GT analysis',
  answer_words: 'Words per GT answer',
};

export interface QualityFigures {
  file: string;
  items: number;
  /** invalid lines left out (with --skip-invalid) */
  skipped_lines: number;
  histories: { distinct: number; items_per_history: number | null };
  lexical: Record<TextField, FieldDiversity>;
  lengths: LengthFigures;
  attributes: AttributeFigures;
  tasks: TaskFigures;
  near_duplicates: NearDuplicateFigures;
}

/** The texts each lexical figure is computed over, tokenized. */
export function fieldTexts(items: readonly DialogItem[]): Record<TextField, string[][]> & { historyRounds: DialogItem['history'][] } {
  const histories = new Map<string, DialogItem['history']>();
  for (const it of items) {
    const key = JSON.stringify(it.history);
    if (!histories.has(key)) histories.set(key, it.history);
  }
  const historyRounds = [...histories.values()];
  return {
    historyRounds,
    // Message contents only: the "User:" / "AI:" labels would count as words in every turn.
    histories: historyRounds.map((h) => words(h.flatMap((round) => round.map((m) => m.content)).join('\n'))),
    requests: items.filter((it) => it.task !== 'risk_detect').map((it) => words(it.request)),
    analyses: items.map((it) => words(it.GT.analysis)),
  };
}

export function fieldDiversity(texts: ReadonlyArray<readonly string[]>, field: string, settings: QualitySettings, sampleSize = settings.self_bleu_sample): FieldDiversity {
  const ids = ngramIds(texts, 3);
  const positions = texts.map((_, i) => i);
  const windowOrder = shuffled(positions, createRng(hashSeed(settings.seed, 'windows', field)));
  const sample = shuffled(positions, createRng(hashSeed(settings.seed, 'self-bleu', field)))
    .slice(0, Math.min(sampleSize, texts.length))
    .map((i) => texts[i]);
  const [d1, d2, d3] = distinctCounts(texts, ids);
  return {
    texts: texts.length,
    tokens: d1.total,
    types: d1.unique,
    distinct_1: d1.ratio,
    distinct_2: d2.ratio,
    distinct_3: d3.ratio,
    equal_size: windowDiversity(texts, settings.window_tokens, windowOrder, ids),
    self_bleu: { sample: sample.length, value: selfBleu(sample) },
  };
}

export interface ComputeOptions {
  file: string;
  skippedLines?: number;
  settings?: QualitySettings;
  /** Self-BLEU sample per field, to match another set's (default: settings.self_bleu_sample) */
  selfBleuSamples?: Partial<Record<TextField, number>>;
  /** fieldTexts(items), when the caller already has them */
  texts?: ReturnType<typeof fieldTexts>;
}

export function computeQuality(items: readonly DialogItem[], opts: ComputeOptions): QualityFigures {
  const settings = opts.settings ?? DEFAULT_QUALITY_SETTINGS;
  const texts = opts.texts ?? fieldTexts(items);
  const lexical = Object.fromEntries(TEXT_FIELDS.map((f) => [f, fieldDiversity(texts[f], f, settings, opts.selfBleuSamples?.[f])])) as Record<TextField, FieldDiversity>;
  const messages = texts.historyRounds.flatMap((h) => h.flat());
  const turnWords = (speaker: string) => messages.filter((m) => m.speaker === speaker).map((m) => words(m.content).length);
  const answerText = (a: string | string[]) => (Array.isArray(a) ? a.join(' ') : a);
  return {
    file: opts.file,
    items: items.length,
    skipped_lines: opts.skippedLines ?? 0,
    histories: { distinct: texts.historyRounds.length, items_per_history: texts.historyRounds.length ? items.length / texts.historyRounds.length : null },
    lexical,
    lengths: {
      rounds_per_history: describe(texts.historyRounds.map((h) => h.length)),
      words_per_user_turn: describe(turnWords('User')),
      words_per_ai_turn: describe(turnWords('AI')),
      request_words: describe(texts.requests.map((t) => t.length)),
      analysis_words: describe(texts.analyses.map((t) => t.length)),
      answer_words: describe(items.map((it) => words(answerText(it.GT.answer)).length)),
    },
    attributes: attributeFigures(items),
    tasks: taskFigures(items),
    near_duplicates: nearDuplicateFigures(items, settings.near_duplicate_threshold),
  };
}
