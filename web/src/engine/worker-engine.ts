import { IpdError, type TextRequest, type TextResult } from '../../../common';
import type { FromWorker, ToWorker } from './protocol';
import type { LoadProgress, LoadRequest, WebEngine, WebEngineInfo } from './web-engine';

interface Waiter {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onText?: (delta: string) => void;
  onProgress?: (p: LoadProgress) => void;
}

/** The page's WebEngine: every call is a message to the engine worker, every answer a message back. */
export class WorkerEngine implements WebEngine {
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private failure?: IpdError;
  private infoValue?: WebEngineInfo;

  private constructor(private readonly worker: Worker) {
    worker.addEventListener('message', (ev: MessageEvent<FromWorker>) => this.onMessage(ev.data));
    worker.addEventListener('error', (ev) => this.fail(new IpdError('INTERNAL', `engine worker failed: ${ev.message || 'script error'}`)));
  }

  /** Starts a fresh worker and loads the model in it; a failed load ends the worker. */
  static async load(req: LoadRequest, onProgress?: (p: LoadProgress) => void): Promise<WorkerEngine> {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'ipd-engine' });
    const proxy = new WorkerEngine(worker);
    try {
      proxy.infoValue = (await proxy.call({ kind: 'load', id: 0, payload: req }, { onProgress })) as WebEngineInfo;
    } catch (err) {
      worker.terminate();
      throw err;
    }
    return proxy;
  }

  get info(): WebEngineInfo {
    if (!this.infoValue) throw new IpdError('INTERNAL', 'engine used before it loaded');
    return this.infoValue;
  }

  private call(msg: ToWorker, hooks: Pick<Waiter, 'onText' | 'onProgress'> = {}): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiters.set(id, { resolve, reject, ...hooks });
      this.worker.postMessage({ ...msg, id });
    });
  }

  private onMessage(m: FromWorker): void {
    if (m.kind === 'error' && m.id === undefined) {
      this.fail(IpdError.fromRecord(m.payload));
      return;
    }
    const w = this.waiters.get(m.id!);
    if (!w) return;
    switch (m.kind) {
      case 'progress':
        w.onProgress?.(m.payload);
        return;
      case 'text':
        w.onText?.(m.payload);
        return;
      case 'error':
        this.waiters.delete(m.id!);
        w.reject(IpdError.fromRecord(m.payload));
        return;
      default:
        this.waiters.delete(m.id);
        w.resolve(m.kind === 'disposed' ? undefined : m.payload);
    }
  }

  /** A dead worker fails every pending call, loudly. */
  private fail(err: IpdError): void {
    if (this.failure) return;
    this.failure = err;
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
  }

  generate(req: TextRequest & { id: string }, opts: { onText?: (delta: string) => void } = {}): Promise<TextResult> {
    return this.call({ kind: 'generate', id: 0, payload: req }, { onText: opts.onText }) as Promise<TextResult>;
  }

  abort(requestId: string): void {
    if (!this.failure) this.worker.postMessage({ kind: 'abort', id: this.nextId++, payload: requestId } satisfies ToWorker);
  }

  async dispose(): Promise<void> {
    try {
      if (!this.failure) await this.call({ kind: 'dispose', id: 0 });
    } finally {
      this.worker.terminate();
    }
  }
}
