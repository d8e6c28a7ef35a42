import { z } from 'zod';
import { ATTRIBUTE_DICT, TASKS } from './attributes';

const attributeEntries = Object.entries(ATTRIBUTE_DICT).map(
  ([key, values]) => [key, z.enum(values as [string, ...string[]])] as const,
);

/** All 12 attributes, each from the dictionary. */
export const UserAttrGroupSchema = z.strictObject(Object.fromEntries(attributeEntries));

/** A subset of attributes (GT related attributes), each key and value from the dictionary. */
export const RelatedAttributesSchema = z
  .record(z.string(), z.string())
  .superRefine((attrs, ctx) => {
    for (const [key, value] of Object.entries(attrs)) {
      const allowed = ATTRIBUTE_DICT[key];
      if (!allowed) {
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown attribute "${key}"`, input: key });
      } else if (!allowed.includes(value)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `unknown value for ${key}; expected one of ${allowed.join(', ')}`,
          input: value,
        });
      }
    }
  });

export const MessageSchema = z.object({
  speaker: z.enum(['User', 'AI']),
  content: z.string(),
});

export const RoundSchema = z.array(MessageSchema).min(1, 'a history round has no messages');

export const DialogItemSchema = z.object({
  index: z.number().int().nonnegative(),
  task: z.enum(TASKS),
  task_index: z.number().int(),
  domain_index: z.number().int(),
  subject_index: z.number().int(),
  request_index: z.number().int(),
  /** null for risk_detect, whose request is fixed and has no domain. */
  domain: z.string().nullable(),
  user_attr_group: UserAttrGroupSchema,
  request: z.string().min(1),
  GT: z.object({
    related_attributes: RelatedAttributesSchema,
    analysis: z.string(),
    answer: z.union([z.string(), z.array(z.string())]),
  }),
  history_id: z.number().int(),
  history: z.array(RoundSchema).min(1, 'history is empty'),
});

export type DialogItem = z.infer<typeof DialogItemSchema>;
export type DialogMessage = z.infer<typeof MessageSchema>;
