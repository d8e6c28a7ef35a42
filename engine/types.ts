import type { IpdErrorRecord } from '../common';

/** How to pick each next token. temperature 0 (or absent) means greedy. */
export interface SamplingParams {
  maxNewTokens: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  /** Seeds this request's own random stream, so its samples do not depend on the batch. */
  seed?: number;
  /** Extra ids that end generation, besides the model's EOS ids. */
  stopTokenIds?: readonly number[];
  /** Keep generating past EOS (benchmarks of fixed length). */
  ignoreEos?: boolean;
}

export interface GenerateRequest {
  requestId: string;
  promptTokenIds: readonly number[];
  sampling: SamplingParams;
}

export type FinishReason = 'stop' | 'length' | 'abort' | 'error';

export type RequestStatus = 'waiting' | 'running' | 'finished_stopped' | 'finished_length' | 'finished_aborted' | 'finished_error';

/** What one engine step reports for one request: its new token ids, and whether it ended. */
export interface EngineOutput {
  requestId: string;
  newTokenIds: number[];
  finishReason?: FinishReason;
  /** On the first output of a request: how many prompt tokens came from the prefix cache. */
  numCachedTokens?: number;
  error?: IpdErrorRecord;
}

export type DeviceName = 'cpu' | 'webgpu' | 'cuda' | 'wasm';

/** Counters the perf harness and run logs report. */
export interface EngineStats {
  numPrefillTokens: number;
  numCachedPromptTokens: number;
  numDecodeTokens: number;
  numSteps: number;
  prefillMs: number;
  decodeMs: number;
  maxBatchSize: number;
}

export function emptyStats(): EngineStats {
  return { numPrefillTokens: 0, numCachedPromptTokens: 0, numDecodeTokens: 0, numSteps: 0, prefillMs: 0, decodeMs: 0, maxBatchSize: 0 };
}
