/**
 * The records each step writes. Every intermediate file line validates against one of
 * these, so a resumed run reads back exactly what the stages produce.
 */
import { z } from 'zod';
import { TASKS } from '../attributes';
import { DialogItemSchema, RelatedAttributesSchema, RoundSchema, UserAttrGroupSchema } from '../schema';

/** Subjects of one (task, domain); `task_index` is the domain's position, as in the original files. */
export const SubjectListSchema = z.object({
  task: z.enum(TASKS),
  task_index: z.number().int(),
  domain: z.string(),
  subjects: z.array(z.string()),
});
export type SubjectList = z.infer<typeof SubjectListSchema>;

/**
 * Requests generated for one (domain, subject, attribute group). The index names follow
 * the original files: task_index = domain, domain_index = subject, subject_index = which of
 * the subject's three attribute groups. risk_detect uses -1 and null.
 */
export const RequestListSchema = z.object({
  task: z.enum(TASKS),
  task_index: z.number().int(),
  domain_index: z.number().int(),
  subject_index: z.number().int(),
  domain: z.string().nullable(),
  subject: z.string().nullable(),
  user_attr_group: UserAttrGroupSchema,
  requests: z.array(z.string().min(1)),
});
export type RequestList = z.infer<typeof RequestListSchema>;

/** A question with its GT: a dataset item before its history is attached. */
export const QuestionSchema = DialogItemSchema.omit({ index: true, history_id: true, history: true });
export type Question = z.infer<typeof QuestionSchema>;

/** A distinct related-attribute set (keys sorted, as GT_attr.jsonl) and how many questions use it. */
export const AttributeSetSchema = z.object({
  id: z.number().int().nonnegative(),
  related_attributes: RelatedAttributesSchema,
  count: z.number().int().positive(),
});
export type AttributeSet = z.infer<typeof AttributeSetSchema>;

/** A finished history: one round per attribute of the set, in the set's order. */
export const HistorySchema = AttributeSetSchema.extend({ history: z.array(RoundSchema).min(1) });
export type History = z.infer<typeof HistorySchema>;

/** What one unit of work (one prompt chain) came to; one line of a step file. */
export const UnitOutcomeSchema = z.object({
  key: z.string(),
  outputs: z.array(z.unknown()),
  /** model calls made */
  calls: z.number().int().nonnegative(),
  /** replies that parsed */
  parsed: z.number().int().nonnegative(),
  /** replies that did not parse (each retried or ending in a drop) */
  parseFailures: z.number().int().nonnegative(),
  /** why the unit produced nothing; absent when it passed */
  dropped: z.string().optional(),
  /** the offending text or a short explanation, for reading the drops */
  detail: z.string().optional(),
  counters: z.record(z.string(), z.number()).optional(),
});
export interface UnitOutcome<O> extends Omit<z.infer<typeof UnitOutcomeSchema>, 'outputs'> {
  outputs: O[];
}
