import { IpdError, type IpdErrorRecord } from '../common';
import type { TextTokenizer } from '../models';
import type { CoreHandle, CoreInfo } from './core-loop';
import { IncrementalDetokenizer, findStop } from './detokenizer';
import type { EngineOutput, EngineStats, FinishReason, SamplingParams } from './types';

export interface GenerateOptions {
  requestId?: string;
  promptTokenIds: readonly number[];
  sampling: SamplingParams;
  /** Generation ends before the first of these strings; the text excludes it. */
  stopStrings?: readonly string[];
  /** Streaming: called with each new piece of text. */
  onText?: (delta: string) => void;
  /** Streaming: called with each new batch of token ids. */
  onTokens?: (ids: readonly number[]) => void;
}

export interface GenerationResult {
  requestId: string;
  numPromptTokens: number;
  numCachedTokens: number;
  /** Generated ids, including the EOS id when generation stopped on it. */
  tokenIds: number[];
  text: string;
  finishReason: FinishReason;
  /** Milliseconds from submission to the first token, and to the end. */
  firstTokenMs: number;
  totalMs: number;
  error?: IpdErrorRecord;
}

interface Pending {
  opts: GenerateOptions;
  ids: number[];
  numCachedTokens: number;
  detok?: IncrementalDetokenizer;
  maxStopLen: number;
  start: number;
  firstTokenMs: number;
  stoppedAt?: { text: string; numTokens: number };
  resolve(r: GenerationResult): void;
  reject(e: unknown): void;
}

/**
 * The engine as the rest of the project uses it: submit prompts (token ids), get text and
 * ids back, optionally streamed. Detokenization and stop strings happen here, outside the
 * engine step, as vLLM's output processor does.
 */
export class LlmEngine {
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;

  constructor(
    private readonly handle: CoreHandle,
    readonly tokenizer: TextTokenizer,
  ) {
    handle.onOutputs((outs) => this.onOutputs(outs));
  }

  get info(): CoreInfo {
    return this.handle.info;
  }

  get numPending(): number {
    return this.pending.size;
  }

  generate(opts: GenerateOptions): Promise<GenerationResult> {
    const requestId = opts.requestId ?? `req-${this.nextId++}`;
    if (this.pending.has(requestId)) return Promise.reject(new IpdError('INPUT_INVALID', `request id ${requestId} is already running`));
    return new Promise((resolve, reject) => {
      const stops = opts.stopStrings?.filter(Boolean) ?? [];
      this.pending.set(requestId, {
        opts: { ...opts, stopStrings: stops },
        ids: [],
        numCachedTokens: 0,
        detok: opts.onText || stops.length ? new IncrementalDetokenizer(this.tokenizer) : undefined,
        maxStopLen: Math.max(0, ...stops.map((s) => s.length)),
        start: performance.now(),
        firstTokenMs: 0,
        resolve,
        reject,
      });
      this.handle.add([{ requestId, promptTokenIds: opts.promptTokenIds, sampling: opts.sampling }]);
    });
  }

  abort(requestId: string): void {
    this.handle.abort(requestId);
  }

  stats(): Promise<EngineStats> {
    return this.handle.stats();
  }

  async dispose(): Promise<void> {
    for (const id of this.pending.keys()) this.handle.abort(id);
    await this.handle.dispose();
  }

  private onOutputs(outs: EngineOutput[]): void {
    for (const out of outs) {
      const p = this.pending.get(out.requestId);
      if (!p) continue;
      if (out.numCachedTokens !== undefined) p.numCachedTokens = out.numCachedTokens;
      if (out.newTokenIds.length && !p.stoppedAt) this.accept(p, out);
      if (out.finishReason) this.complete(out.requestId, p, out);
    }
  }

  private accept(p: Pending, out: EngineOutput): void {
    if (p.ids.length === 0) p.firstTokenMs = performance.now() - p.start;
    p.ids.push(...out.newTokenIds);
    p.opts.onTokens?.(out.newTokenIds);
    if (!p.detok) return;
    const before = p.detok.text.length;
    const delta = p.detok.push(p.ids);
    const stops = p.opts.stopStrings!;
    if (stops.length && delta) {
      const at = findStop(p.detok.text, stops, before - p.maxStopLen);
      if (at >= 0) {
        const visible = p.detok.text.slice(0, at);
        if (visible.length > before) p.opts.onText?.(visible.slice(before));
        p.stoppedAt = { text: visible, numTokens: p.ids.length };
        if (!out.finishReason) this.handle.abort(out.requestId);
        return;
      }
    }
    if (delta) p.opts.onText?.(delta);
  }

  private complete(requestId: string, p: Pending, out: EngineOutput): void {
    this.pending.delete(requestId);
    const stopped = p.stoppedAt;
    const ids = stopped ? p.ids.slice(0, stopped.numTokens) : p.ids;
    const finishReason: FinishReason = stopped ? 'stop' : out.finishReason!;
    const text = stopped ? stopped.text : this.tokenizer.decode(ids, { skipSpecialTokens: true });
    if (!stopped && p.detok && p.opts.onText && text.length > p.detok.text.length) p.opts.onText(text.slice(p.detok.text.length));
    p.resolve({
      requestId,
      numPromptTokens: p.opts.promptTokenIds.length,
      numCachedTokens: p.numCachedTokens,
      tokenIds: ids,
      text,
      finishReason,
      firstTokenMs: p.firstTokenMs,
      totalMs: performance.now() - p.start,
      ...(out.error && !stopped && { error: out.error }),
    });
  }
}
