// Request bodies of the OpenAI-compatible endpoints, validated once at the edge. Unknown
// fields are ignored (clients send many), but known features we cannot honour are refused
// by name rather than silently dropped.
import { z } from 'zod';
import { IpdError } from '../../common';

/** Accepts only a value that changes nothing (absent, null, or the neutral value). */
function neutral(what: string, isNeutral: (v: unknown) => boolean) {
  return z
    .unknown()
    .refine((v) => v === undefined || v === null || isNeutral(v), { message: `${what} is not supported by ipdialog serve` })
    .optional();
}

const SAMPLING = {
  model: z.string().optional(),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  /** Not in OpenAI's API; vLLM and llama.cpp accept it. -1 and 0 turn it off. */
  top_k: z.number().int().min(-1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  n: neutral('n other than 1', (v) => v === 1),
  logprobs: neutral('logprobs', (v) => v === false),
  top_logprobs: neutral('top_logprobs', (v) => v === 0),
  presence_penalty: neutral('presence_penalty', (v) => v === 0),
  frequency_penalty: neutral('frequency_penalty', (v) => v === 0),
  logit_bias: neutral('logit_bias', (v) => typeof v === 'object' && Object.keys(v as object).length === 0),
};

const TextPart = z.object({ type: z.literal('text'), text: z.string() });

const ChatMessage = z.object({
  // `developer` is OpenAI's newer name for `system`.
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(TextPart).min(1)]),
});

export const ChatCompletionRequestSchema = z.object({
  ...SAMPLING,
  messages: z.array(ChatMessage).min(1),
  /** OpenAI's newer name for max_tokens; wins when both are given. */
  max_completion_tokens: z.number().int().positive().nullish(),
  tools: neutral('tools', (v) => Array.isArray(v) && v.length === 0),
  tool_choice: neutral('tool_choice', (v) => v === 'none'),
  response_format: neutral('response_format other than text', (v) => (v as { type?: unknown }).type === 'text'),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

export const CompletionRequestSchema = z.object({
  ...SAMPLING,
  /** One prompt or a batch: text, or token ids. */
  prompt: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.number().int().nonnegative()).min(1),
    z.array(z.array(z.number().int().nonnegative()).min(1)).min(1),
  ]),
  echo: neutral('echo', (v) => v === false),
  best_of: neutral('best_of other than 1', (v) => v === 1),
  suffix: neutral('suffix', (v) => v === ''),
});
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

/** `messages[0].content` from a zod path, the way OpenAI names a `param`. */
function paramOf(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** Validates a parsed JSON body; every problem is listed, the first one's field is the `param`. */
export function parseRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${paramOf(i.path) || 'body'}: ${i.message}`);
  throw new IpdError('INPUT_INVALID', `invalid request: ${issues.join('; ')}`, { field: paramOf(r.error.issues[0].path) || undefined });
}
