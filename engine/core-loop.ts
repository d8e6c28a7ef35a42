import { IpdError } from '../common';
import type { EngineCore } from './engine-core';
import type { EngineOutput, EngineStats, GenerateRequest } from './types';

/** What a model load reports: the device it got and how the graph was prepared. */
export interface CoreInfo {
  device: string;
  lean: boolean;
  notes: string[];
  /** The process that runs ORT. */
  pid?: number;
  /** The graph the session runs (the lean rewrite, where one was made): what a step reads. */
  graphFile?: string;
}

/**
 * Where EngineCore runs, seen from the caller: in this thread (CoreLoop) or behind a
 * worker boundary (a proxy posting the same calls as messages).
 */
export interface CoreHandle {
  readonly info: CoreInfo;
  add(reqs: readonly GenerateRequest[]): void;
  abort(requestId: string): void;
  onOutputs(cb: (outs: EngineOutput[]) => void): void;
  stats(): Promise<EngineStats>;
  dispose(): Promise<void>;
}

/**
 * Lets queued events in between steps. Browsers clamp setTimeout(0) to 4 ms or more, so there
 * a MessageChannel round trip does the same without the wait.
 */
const yieldToEvents: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise((r) => setImmediate(r))
    : typeof MessageChannel === 'function'
      ? (() => {
          const channel = new MessageChannel();
          const waiting: Array<() => void> = [];
          channel.port1.onmessage = () => waiting.shift()?.();
          return () =>
            new Promise<void>((r) => {
              waiting.push(r);
              channel.port2.postMessage(0);
            });
        })()
      : () => new Promise((r) => setTimeout(r, 0));

/**
 * Drives an EngineCore: steps while there is work, hands outputs on, and lets queued
 * events (new requests, aborts) in between steps. Touches only its queues; no I/O.
 */
export class CoreLoop implements CoreHandle {
  private listener: (outs: EngineOutput[]) => void = () => {};
  private running = false;

  constructor(
    private readonly core: EngineCore,
    readonly info: CoreInfo,
    private readonly disposeFn: () => Promise<void> = async () => {},
  ) {}

  onOutputs(cb: (outs: EngineOutput[]) => void): void {
    this.listener = cb;
  }

  add(reqs: readonly GenerateRequest[]): void {
    const rejected: EngineOutput[] = [];
    for (const r of reqs) {
      try {
        this.core.add(r);
      } catch (err) {
        rejected.push({ requestId: r.requestId, newTokenIds: [], finishReason: 'error', error: IpdError.from(err, 'INPUT_INVALID').toRecord() });
      }
    }
    if (rejected.length) queueMicrotask(() => this.listener(rejected));
    this.kick();
  }

  abort(requestId: string): void {
    this.core.abort(requestId);
    this.kick();
  }

  async stats(): Promise<EngineStats> {
    return { ...this.core.stats };
  }

  async dispose(): Promise<void> {
    await this.disposeFn();
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.core.hasWork()) {
        const outs = await this.core.step();
        if (outs.length) this.listener(outs);
        await yieldToEvents();
      }
    } finally {
      this.running = false;
    }
  }
}
