import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { IpdError, type TextGenerator, type TextRequest } from '../common';
import { formatProblems, zodProblems, type LineProblem } from '../pathways';
import { JsonlAppender, readJsonl } from './jsonl-log';
import { Progress } from './progress';

const MessageSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
export const GenerateInputSchema = z
  .object({
    id: z.union([z.string(), z.number()]),
    prompt: z.string().optional(),
    messages: z.array(MessageSchema).min(1).optional(),
    max_new_tokens: z.number().int().positive().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.prompt === undefined && v.messages === undefined) ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'needs "prompt" or "messages"' });
    if (v.prompt !== undefined && v.messages !== undefined) ctx.addIssue({ code: 'custom', path: ['messages'], message: 'give "prompt" or "messages", not both' });
  });
export type GenerateInput = z.infer<typeof GenerateInputSchema>;

export interface GenerateOutput {
  id: string | number;
  text: string;
  token_ids: number[] | null;
  prompt_tokens: number;
  finish_reason: string;
  error?: string;
  /** The server that answered (--backend openai). */
  endpoint?: string;
}

/** Reads and validates a generate input file; all bad lines are reported at once. */
export async function readGenerateInput(file: string): Promise<GenerateInput[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new IpdError('INPUT_INVALID', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`, { file, cause: err });
  }
  const out: GenerateInput[] = [];
  const problems: LineProblem[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      problems.push({ line: i + 1, field: '(line)', problem: `invalid JSON: ${(err as Error).message}` });
      return;
    }
    const r = GenerateInputSchema.safeParse(json);
    if (!r.success) {
      problems.push(...zodProblems(json, r.error.issues, i + 1));
      return;
    }
    const key = String(r.data.id);
    if (seen.has(key)) problems.push({ line: i + 1, field: 'id', problem: 'duplicate id', got: r.data.id });
    seen.add(key);
    out.push(r.data);
  });
  if (problems.length) {
    throw new IpdError('INPUT_INVALID', `${new Set(problems.map((p) => p.line)).size} invalid line(s) in ${file}:\n${formatProblems(file, problems)}`, {
      file,
      line: problems[0].line,
      hint: 'each line needs {"id", "prompt"} or {"id", "messages"}, optionally "max_new_tokens"',
    });
  }
  return out;
}

export interface GenerateFileOptions {
  input: GenerateInput[];
  out: string;
  generator: TextGenerator;
  maxNewTokens: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  stop?: string[];
  quiet?: boolean;
}

/**
 * Generates for every input line not yet in `out` (a rerun resumes) and appends results
 * durably in input order as they complete.
 */
export async function generateFile(opts: GenerateFileOptions): Promise<{ generated: number; skipped: number }> {
  const done = new Set(readJsonl<GenerateOutput>(opts.out).records.map((r) => String(r.id)));
  const todo = opts.input.filter((x) => !done.has(String(x.id)));
  const log = new JsonlAppender(opts.out);
  const progress = new Progress({ label: 'generate', total: opts.input.length, done: done.size });
  const results = new Map<number, GenerateOutput>();
  let next = 0;
  const flush = () => {
    while (results.has(next)) {
      log.append(results.get(next));
      results.delete(next);
      next++;
    }
  };
  try {
    await Promise.all(
      todo.map(async (x, i) => {
        const req: TextRequest = {
          id: String(x.id),
          ...(x.messages ? { messages: x.messages } : { prompt: x.prompt }),
          maxNewTokens: x.max_new_tokens ?? opts.maxNewTokens,
          temperature: opts.temperature,
          topP: opts.topP,
          topK: opts.topK,
          seed: opts.seed,
          stop: opts.stop,
        };
        const r = await opts.generator.generate(req);
        results.set(i, {
          id: x.id,
          text: r.text,
          token_ids: r.tokenIds ?? null,
          prompt_tokens: r.promptTokens,
          finish_reason: r.finishReason,
          ...(r.error && { error: r.error }),
          ...(r.endpoint && { endpoint: r.endpoint }),
        });
        if (!opts.quiet) progress.tick(r.completionTokens);
        flush();
      }),
    );
  } finally {
    flush();
    log.close();
    if (!opts.quiet) progress.finish();
  }
  return { generated: todo.length, skipped: done.size };
}
