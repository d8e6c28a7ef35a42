import { Worker } from 'node:worker_threads';
import { IpdError } from '../../common';
import type { CoreHandle, CoreInfo } from '../core-loop';
import type { EngineOutput, EngineStats, GenerateRequest } from '../types';
import type { CoreModelSpec, CoreOptions } from './load-core';
import type { FromWorker, ToWorker } from './worker-protocol';

type Waiter = { resolve(v: unknown): void; reject(e: unknown): void };

/** CoreHandle for an EngineCore in a worker thread, so ORT's blocking runs stay off the main thread. */
export class WorkerCoreHandle implements CoreHandle {
  private listener: (outs: EngineOutput[]) => void = () => {};
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private infoValue: CoreInfo = { device: 'unknown', lean: false, notes: [] };
  private failure?: IpdError;
  /** Requests in flight, so a dead worker can still finish each of them with an error. */
  private readonly inFlight = new Set<string>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.fail(IpdError.from(err, 'INTERNAL')));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new IpdError('INTERNAL', `engine worker exited with code ${code}`));
    });
  }

  static async start(model: CoreModelSpec, options: CoreOptions): Promise<WorkerCoreHandle> {
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url));
    const handle = new WorkerCoreHandle(worker);
    try {
      handle.infoValue = (await handle.request({ kind: 'init', id: 0, payload: { model, options } })) as CoreInfo;
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    return handle;
  }

  get info(): CoreInfo {
    return this.infoValue;
  }

  private request(msg: ToWorker): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  private onMessage(m: FromWorker): void {
    if (m.kind === 'outputs') {
      for (const o of m.payload) if (o.finishReason) this.inFlight.delete(o.requestId);
      this.listener(m.payload);
      return;
    }
    if (m.kind === 'error' && m.id === undefined) {
      this.fail(IpdError.fromRecord(m.payload));
      return;
    }
    const w = this.waiters.get(m.id!);
    if (!w) return;
    this.waiters.delete(m.id!);
    if (m.kind === 'error') w.reject(IpdError.fromRecord(m.payload));
    else w.resolve(m.kind === 'ready' || m.kind === 'stats' ? m.payload : undefined);
  }

  /** A dead worker fails every waiter and every running request, loudly. */
  private fail(err: IpdError): void {
    if (this.failure) return;
    this.failure = err;
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
    const lost = [...this.inFlight];
    this.inFlight.clear();
    if (lost.length) this.listener(lost.map((requestId) => ({ requestId, newTokenIds: [], finishReason: 'error', error: err.toRecord() })));
  }

  onOutputs(cb: (outs: EngineOutput[]) => void): void {
    this.listener = cb;
  }

  add(reqs: readonly GenerateRequest[]): void {
    if (this.failure) {
      this.listener(reqs.map((r) => ({ requestId: r.requestId, newTokenIds: [], finishReason: 'error', error: this.failure!.toRecord() })));
      return;
    }
    for (const r of reqs) this.inFlight.add(r.requestId);
    this.worker.postMessage({ kind: 'add', id: this.nextId++, payload: [...reqs] } satisfies ToWorker);
  }

  abort(requestId: string): void {
    if (!this.failure) this.worker.postMessage({ kind: 'abort', id: this.nextId++, payload: requestId } satisfies ToWorker);
  }

  async stats(): Promise<EngineStats> {
    return (await this.request({ kind: 'stats', id: 0 })) as EngineStats;
  }

  async dispose(): Promise<void> {
    try {
      if (!this.failure) await this.request({ kind: 'dispose', id: 0 });
    } finally {
      await this.worker.terminate();
    }
  }
}
