/** What one measured process reports back to the harness (as JSON on a file). */
export interface ImplResult {
  impl: 'ours' | 'transformers.js';
  /** Per request id: greedy output ids (cut at the request limit and EOS). */
  outputs: Record<string, number[]>;
  generatedTokens: number;
  promptTokens: number;
  /** Prompt tokens served from reused prefixes instead of computed. */
  cachedPromptTokens: number;
  loadMs: number;
  generateMs: number;
  prefillMs: number;
  decodeMs: number;
  decodeTokens: number;
  maxRssMb: number;
  /** CPU time of the whole process (all threads), user + system. */
  cpuMs?: number;
  /** The device the engine ran on (ours). */
  device?: string;
}
