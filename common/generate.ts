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
}

export interface TextGenerator {
  /** Model id for run records. */
  readonly modelId: string;
  /** Backend and device, for run records. */
  readonly description: string;
  /** The execution device of an in-process engine (cpu, cuda, webgpu); absent for remote backends. */
  readonly device?: string;
  generate(req: TextRequest, opts?: { onText?: (delta: string) => void }): Promise<TextResult>;
  dispose(): Promise<void>;
}

export type GenerateFn = (req: TextRequest) => Promise<TextResult>;
