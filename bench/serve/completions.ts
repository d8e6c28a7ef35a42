// POST /v1/completions: raw prompts (text or token ids, one or a batch), no chat template.
import type { ServerResponse } from 'node:http';
import type { GenerationResult } from '../../engine';
import { responseId, type Call } from './call';
import { checkModel, unixTime, type ServeContext } from './context';
import { SseStream, sendJson } from './http-io';
import { CompletionRequestSchema, parseRequest, type CompletionRequest } from './schemas';
import { checkTokenIds, resolveMaxTokens, samplingOf, stopsOf, usageOf } from './sampling';

// OpenAI's legacy completions endpoint defaults max_tokens to 16.
const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

/** Every prompt of the request as token ids; text goes through the tokenizer's default encoding. */
function promptIds(ctx: ServeContext, prompt: CompletionRequest['prompt']): number[][] {
  if (typeof prompt === 'string') return [ctx.engine.tokenizer.encode(prompt)];
  if (prompt.every((p): p is number => typeof p === 'number')) return [prompt];
  return prompt.map((p) => (typeof p === 'string' ? ctx.engine.tokenizer.encode(p) : (p as number[])));
}

export async function handleCompletions(ctx: ServeContext, call: Call, body: unknown, res: ServerResponse): Promise<void> {
  const r = parseRequest(CompletionRequestSchema, body);
  checkModel(ctx, r.model);
  const prompts = promptIds(ctx, r.prompt);
  const gens = prompts.map((ids) => {
    checkTokenIds(ctx.limits, ids);
    const maxTokens = resolveMaxTokens(ctx.limits, ids.length, r.max_tokens, COMPLETIONS_DEFAULT_MAX_TOKENS, 'prompt');
    return { promptTokenIds: ids, sampling: samplingOf(r, maxTokens), stopStrings: stopsOf(r.stop) };
  });
  const id = responseId('cmpl');
  const head = { id, object: 'text_completion', created: unixTime(), model: ctx.modelName };
  const choice = (index: number, text: string, finishReason: string | null) => ({ index, text, logprobs: null, finish_reason: finishReason });
  // A batch fails as a whole: the first failure cancels the other prompts.
  const runAll = (onText?: (index: number, text: string) => void, onDone?: (index: number, r: GenerationResult) => void) =>
    Promise.all(
      gens.map(async (g, i) => {
        const result = await call.generate(`${id}-${i}`, { ...g, ...(onText && { onText: (t: string) => onText(i, t) }) });
        onDone?.(i, result);
        return result;
      }),
    ).catch((err: unknown) => {
      call.abort('sibling_failed');
      throw err;
    });

  if (!r.stream) {
    const results = await runAll();
    sendJson(res, 200, { ...head, choices: results.map((x, i) => choice(i, x.text, x.finishReason)), usage: usageOf(results) });
    return;
  }

  const sse = new SseStream(res);
  try {
    const results = await runAll(
      (i, text) => sse.send({ ...head, choices: [choice(i, text, null)] }),
      (i, result) => sse.send({ ...head, choices: [choice(i, '', result.finishReason)] }),
    );
    if (r.stream_options?.include_usage) sse.send({ ...head, choices: [], usage: usageOf(results) });
    sse.end();
  } catch (err) {
    sse.end(ctx.failure(err));
  }
}
