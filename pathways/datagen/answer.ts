/**
 * The answer step's parser: a generated reply becomes the item's GT (related attributes,
 * analysis, answer) under the strict checks of the original question_answer_extract.py
 * (verbose mode). Field extraction and per-task answer parsing are the scorers' (SPEC
 * section 3); pathways/ may not import scorers/, so the caller hands them in.
 */
import { ATTRIBUTE_DICT, ANSWER_KIND, type Task } from '../attributes';
import type { AttributeGroup } from './attribute-groups';
import type { Parsed } from './parse';

/** The three fields of a reply; null where no extraction rule matched. */
export interface ResponseFields {
  attributes: string | null;
  analysis: string | null;
  answer: string | null;
}

/** Response extraction as the scorers implement it, injected by the runner (bench/datagen). */
export interface AnswerExtraction {
  extract(text: string): ResponseFields;
  parseAnswer(text: string, task: Task): string | string[];
}

export interface GroundTruth {
  related_attributes: Record<string, string>;
  analysis: string;
  answer: string | string[];
}

/**
 * "key: value, key: value" with every pair well formed, every key and value from the
 * dictionary, and (beyond the original, which the published data satisfies throughout)
 * every value the user's own.
 */
export function parseRelatedAttributes(text: string, group: Readonly<AttributeGroup>): Parsed<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const raw of text.split(',')) {
    const parts = raw.trim().split(':');
    if (parts.length !== 2) return { ok: false, reason: 'attribute_malformed', detail: raw.trim() };
    const key = parts[0].trim();
    const value = parts[1].trim();
    if (!ATTRIBUTE_DICT[key]?.includes(value)) return { ok: false, reason: 'attribute_unknown', detail: `${key}: ${value}` };
    if (group[key] !== value) return { ok: false, reason: 'attribute_not_in_group', detail: `${key}: ${value} (user: ${group[key]})` };
    out[key] = value;
  }
  return { ok: true, value: out };
}

/** The original's answer checks, applied to the scorers' parsed answer. */
export function checkAnswer(answer: string | string[], task: Task): string | null {
  const kind = ANSWER_KIND[task];
  if (answer.length === 0) return 'answer_empty';
  if (kind === 'exact' && answer !== 'yes' && answer !== 'no') return 'answer_not_yes_no';
  if (kind === 'rank' && Array.isArray(answer) && answer.length !== 3) {
    // Four or more options must include A-D (in either case); three are accepted as they are.
    const has = (o: string) => answer.some((a) => a.toUpperCase() === o);
    if (!['A', 'B', 'C', 'D'].every(has)) return 'rank_incomplete';
  }
  return null;
}

export function parseAnswerReply(text: string, task: Task, group: Readonly<AttributeGroup>, extraction: AnswerExtraction): Parsed<GroundTruth> {
  const fields = extraction.extract(text);
  if (fields.attributes === null) return { ok: false, reason: 'missing_attributes' };
  if (fields.analysis === null) return { ok: false, reason: 'missing_analysis' };
  if (fields.answer === null) return { ok: false, reason: 'missing_answer' };
  const attrs = parseRelatedAttributes(fields.attributes, group);
  if (!attrs.ok) return attrs;
  const answer = extraction.parseAnswer(fields.answer, task);
  const bad = checkAnswer(answer, task);
  if (bad) return { ok: false, reason: bad, detail: fields.answer };
  return { ok: true, value: { related_attributes: attrs.value, analysis: fields.analysis, answer } };
}
