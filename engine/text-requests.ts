import { IpdError, type TextRequest, type TextResult } from '../common';
import type { TextTokenizer } from '../models';
import type { LlmEngine } from './llm-engine';

/** `chat`: a bare prompt becomes one user message of the chat template; `raw`: tokenized as it is. */
export type PromptMode = 'chat' | 'raw';

/** Token ids of a request as the engine sees them (messages always through the chat template). */
export function encodeTextRequest(tok: TextTokenizer, req: Pick<TextRequest, 'messages' | 'prompt'>, mode: PromptMode = 'chat'): number[] {
  if (req.messages) return tok.encodeChat(req.messages);
  if (req.prompt === undefined) throw new IpdError('INPUT_INVALID', 'a request needs messages or a prompt');
  return mode === 'chat' ? tok.encodeChat([{ role: 'user', content: req.prompt }]) : tok.encode(req.prompt);
}

/**
 * One TextRequest on an LlmEngine, as the TextGenerator interface reports it: the same
 * adapter for the CLI's in-process engine and the browser's.
 */
export async function generateText(engine: LlmEngine, req: TextRequest, mode: PromptMode, opts: { onText?: (delta: string) => void } = {}): Promise<TextResult> {
  const t0 = performance.now();
  const r = await engine.generate({
    requestId: req.id,
    promptTokenIds: encodeTextRequest(engine.tokenizer, req, mode),
    sampling: { maxNewTokens: req.maxNewTokens, temperature: req.temperature, topP: req.topP, topK: req.topK, seed: req.seed },
    stopStrings: req.stop,
    onText: opts.onText,
  });
  return {
    text: r.text,
    finishReason: r.finishReason,
    promptTokens: r.numPromptTokens,
    completionTokens: r.tokenIds.length,
    tokenIds: r.tokenIds,
    cachedTokens: r.numCachedTokens,
    latencyMs: performance.now() - t0,
    ...(r.error && { error: r.error.message }),
  };
}
