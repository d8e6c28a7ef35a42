// One HTTP request's engine work: the ids it submitted, so a closed connection or a
// shutdown can abort exactly those, and why it was aborted, so the answer can say so.
import { randomUUID } from 'node:crypto';
import { IpdError } from '../../common';
import type { GenerateOptions, GenerationResult, LlmEngine } from '../../engine';

// client_closed: nobody waits for the answer; sibling_failed: another prompt of the same batch failed.
export type AbortReason = 'client_closed' | 'sibling_failed' | 'shutdown';

export class Call {
  private readonly engineIds = new Set<string>();
  abortReason?: AbortReason;

  constructor(private readonly engine: LlmEngine) {}

  get numRunning(): number {
    return this.engineIds.size;
  }

  abort(reason: AbortReason): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    for (const id of this.engineIds) this.engine.abort(id);
  }

  /**
   * Runs one prompt on the engine. A result that did not finish normally (error, abort)
   * becomes an IpdError here, so handlers only see 'stop' and 'length'.
   */
  async generate(requestId: string, opts: Omit<GenerateOptions, 'requestId'>): Promise<GenerationResult> {
    if (this.abortReason) throw this.abortError();
    this.engineIds.add(requestId);
    let r: GenerationResult;
    try {
      r = await this.engine.generate({ ...opts, requestId });
    } finally {
      this.engineIds.delete(requestId);
    }
    if (r.finishReason === 'error') throw r.error ? IpdError.fromRecord(r.error) : new IpdError('GENERATION_FAILED', `request ${requestId} failed`);
    if (r.finishReason === 'abort') throw this.abortError();
    return r;
  }

  private abortError(): IpdError {
    return this.abortReason === 'shutdown'
      ? new IpdError('SERVER_ERROR', 'the server is shutting down; the request was cancelled', { hint: 'retry against a running server' })
      : new IpdError('GENERATION_FAILED', 'the request was cancelled');
  }
}

/** A response id in OpenAI's shape: `chatcmpl-<hex>`, `cmpl-<hex>`. */
export function responseId(prefix: string): string {
  return `${prefix}-${randomUUID().replaceAll('-', '')}`;
}
