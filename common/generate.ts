/**
 * The one text-generation interface the benchmark code depends on. The local engine, an
 * OpenAI-compatible server or a scripted fake in tests all implement it, so pathways'
 * data generation and the judge never import engine/.
 */
export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TextRequest {
  id?: string;
  /** Either chat messages (rendered with the model's chat template) or a raw prompt. */
  messages?: ChatTurn[];
  prompt?: string;
  maxNewTokens: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  stop?: string[];
  /**
   * Requests with the same key go to the same server when a backend has several, so the
   * prompt prefix they share (an item's dialogue history) stays in that server's cache.
   */
  affinityKey?: string;
}

export interface TextResult {
  text: string;
  finishReason: 'stop' | 'length' | 'abort' | 'error';
  promptTokens: number;
  completionTokens: number;
  /** Generated token ids, when the backend exposes them (the local engine does). */
  tokenIds?: number[];
  cachedTokens?: number;
  latencyMs: number;
  error?: string;
  /** The server that produced it (remote backends). */
  endpoint?: string;
}

/** What one server of a remote backend did in this process (see EndpointStatsRecord for run.json). */
export interface EndpointStats {
  url: string;
  /** Requests it answered (an item's failure the server reported, e.g. a too-long prompt, included). */
  requests: number;
  completionTokens: number;
  /** Wall time with at least one request in flight there. */
  busyMs: number;
  /** Of the answered requests' own durations (earlier failed attempts not included); null before the first. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Failed attempts there that were sent again (there later, or elsewhere). */
  retries: number;
  /** Failed attempts by cause; `rejected` are answers the server refused for the item (4xx). */
  errors: { rateLimited: number; server: number; timeout: number; connection: number; rejected: number };
  /** Requests in flight there when it went into cooldown, moved to the queue. */
  requeued: number;
  cooldowns: number;
}

export interface TextGenerator {
  /** Model id for run records. */
  readonly modelId: string;
  /** Backend and device, for run records. */
  readonly description: string;
  /** The execution device of an in-process engine (cpu, cuda, webgpu); absent for remote backends. */
  readonly device?: string;
  generate(req: TextRequest, opts?: { onText?: (delta: string) => void }): Promise<TextResult>;
  /** Remote backends: per-endpoint statistics so far. */
  endpointStats?(): EndpointStats[];
  dispose(): Promise<void>;
}

export type GenerateFn = (req: TextRequest) => Promise<TextResult>;
