/**
 * Step "assemble": questions joined with the history of their related-attribute set into
 * dataset items (the test-set schema). Questions whose set was dropped go with it.
 */
import { DialogItemSchema, type DialogItem } from '../schema';
import type { History, Question } from './records';
import { attributeSetKey } from './stages/histories';
import { plainStepStats, type StepStats } from './stats';

export interface AssembleResult {
  items: DialogItem[];
  stats: StepStats;
  /** zod problems of items that failed the schema (should never happen), for the report */
  invalid: Array<{ question: string; problem: string }>;
}

export function assembleItems(questions: readonly Question[], histories: readonly History[]): AssembleResult {
  const byKey = new Map(histories.map((h) => [attributeSetKey(h.related_attributes), h]));
  const items: DialogItem[] = [];
  const reasons: Record<string, number> = {};
  const invalid: AssembleResult['invalid'] = [];
  for (const q of questions) {
    const h = byKey.get(attributeSetKey(q.GT.related_attributes));
    if (!h) {
      reasons.history_dropped = (reasons.history_dropped ?? 0) + 1;
      continue;
    }
    const candidate: DialogItem = { index: items.length, ...q, history_id: h.id, history: h.history };
    // Validated, but kept as built: zod's output would reorder the attribute group's keys.
    const r = DialogItemSchema.safeParse(candidate);
    if (!r.success) {
      reasons.schema_invalid = (reasons.schema_invalid ?? 0) + 1;
      invalid.push({ question: q.request, problem: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      continue;
    }
    items.push(candidate);
  }
  return { items, stats: plainStepStats(questions.length, items.length, reasons), invalid };
}
