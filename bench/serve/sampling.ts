// From validated request fields to engine inputs: sampling, stop strings, the token budget.
import { IpdError } from '../../common';
import type { GenerationResult, SamplingParams } from '../../engine';

export interface ModelLimits {
  /** max_position_embeddings of the served model: prompt + max_tokens must fit. */
  maxContext?: number;
  vocabSize: number;
}

interface SamplingFields {
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
}

// OpenAI's defaults: temperature 1 and top_p 1 (sampling); clients ask for greedy with 0.
export function samplingOf(r: SamplingFields, maxNewTokens: number): SamplingParams {
  return {
    maxNewTokens,
    temperature: r.temperature ?? 1,
    ...(r.top_p != null && { topP: r.top_p }),
    ...(r.top_k != null && r.top_k > 0 && { topK: r.top_k }),
    ...(r.seed != null && { seed: r.seed }),
  };
}

export function stopsOf(stop: string | string[] | null | undefined): string[] {
  if (stop == null) return [];
  return (typeof stop === 'string' ? [stop] : stop).filter((s) => s.length > 0);
}

// A model without max_position_embeddings still gets a bounded default answer length.
const UNKNOWN_CONTEXT_MAX_TOKENS = 4096;

/**
 * The request's max_tokens, or the default (`fallback`, capped by what the context leaves),
 * refusing prompts that cannot fit with a message that names the limit.
 */
export function resolveMaxTokens(limits: ModelLimits, numPromptTokens: number, requested: number | null | undefined, fallback: number, param: 'messages' | 'prompt'): number {
  const max = limits.maxContext;
  if (max === undefined) return requested ?? Math.min(fallback, UNKNOWN_CONTEXT_MAX_TOKENS);
  const limit = `This model's maximum context length is ${max} tokens (max_position_embeddings)`;
  // The engine needs room for at least one new token.
  if (numPromptTokens >= max) {
    throw new IpdError('INPUT_INVALID', `${limit}, but the ${param} alone has ${numPromptTokens} tokens`, { field: param, hint: `shorten the ${param}` });
  }
  if (requested == null) return Math.min(fallback, max - numPromptTokens);
  if (numPromptTokens + requested > max) {
    throw new IpdError(
      'INPUT_INVALID',
      `${limit}, but the request needs ${numPromptTokens + requested} tokens (${numPromptTokens} in the ${param}, ${requested} for max_tokens)`,
      { field: param, hint: `shorten the ${param} or lower max_tokens to at most ${max - numPromptTokens}` },
    );
  }
  return requested;
}

/** Token ids the model cannot embed are a client error, caught before any streaming starts. */
export function checkTokenIds(limits: ModelLimits, ids: readonly number[]): void {
  const bad = ids.find((t) => t >= limits.vocabSize);
  if (bad !== undefined) throw new IpdError('INPUT_INVALID', `token id ${bad} is outside the vocabulary (0..${limits.vocabSize - 1})`, { field: 'prompt' });
  if (ids.length === 0) throw new IpdError('INPUT_INVALID', 'the prompt is empty', { field: 'prompt' });
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export function usageOf(results: readonly GenerationResult[]): Usage {
  let prompt = 0;
  let completion = 0;
  let cached = 0;
  for (const r of results) {
    prompt += r.numPromptTokens;
    completion += r.tokenIds.length;
    cached += r.numCachedTokens;
  }
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
}
