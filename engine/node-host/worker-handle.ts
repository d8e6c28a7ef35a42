import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { IpdError } from '../../common';
import type { CoreHandle, CoreInfo } from '../core-loop';
import type { EngineOutput, EngineStats, GenerateRequest } from '../types';
import type { CoreModelSpec, CoreOptions } from './load-core';
import { MALLOC_ENV } from './malloc-env';
import type { FromWorker, ToWorker } from './worker-protocol';

type Waiter = { resolve(v: unknown): void; reject(e: unknown): void };

/**
 * Where the engine runs: a worker thread, or a forked process (which also gets the malloc
 * settings of MALLOC_ENV, read by glibc only at process start).
 */
export type HostKind = 'thread' | 'process';

/** The part of Worker and ChildProcess both hosts need. */
interface HostLink {
  post(m: ToWorker): void;
  on(event: 'message', fn: (m: FromWorker) => void): void;
  onError(fn: (err: Error) => void): void;
  onExit(fn: (code: number | null) => void): void;
  terminate(): Promise<void>;
}

function threadLink(w: Worker): HostLink {
  return {
    post: (m) => w.postMessage(m),
    on: (_e, fn) => void w.on('message', fn),
    onError: (fn) => void w.on('error', fn),
    onExit: (fn) => void w.on('exit', fn),
    terminate: async () => void (await w.terminate()),
  };
}

function processLink(c: ChildProcess): HostLink {
  return {
    post: (m) => void c.send(m),
    on: (_e, fn) => void c.on('message', fn as (m: unknown) => void),
    onError: (fn) => void c.on('error', fn),
    onExit: (fn) => void c.on('exit', (code) => fn(code)),
    terminate: () =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      }),
  };
}

/** CoreHandle for an EngineCore in another thread or process, so ORT's blocking runs stay off the main thread. */
export class WorkerCoreHandle implements CoreHandle {
  private listener: (outs: EngineOutput[]) => void = () => {};
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private infoValue: CoreInfo = { device: 'unknown', lean: false, notes: [] };
  private failure?: IpdError;
  /** Requests in flight, so a dead worker can still finish each of them with an error. */
  private readonly inFlight = new Set<string>();

  private constructor(private readonly worker: HostLink) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.onError((err) => this.fail(IpdError.from(err, 'INTERNAL')));
    worker.onExit((code) => {
      if (code !== 0 && !this.disposed) this.fail(new IpdError('INTERNAL', `engine host exited with code ${code}`));
    });
  }

  private disposed = false;

  static async start(model: CoreModelSpec, options: CoreOptions, host: HostKind = 'thread'): Promise<WorkerCoreHandle> {
    const entry = new URL('./worker-entry.mjs', import.meta.url);
    const link =
      host === 'thread'
        ? threadLink(new Worker(entry))
        : processLink(fork(entry, [], { env: { ...MALLOC_ENV, ...process.env }, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' }));
    const handle = new WorkerCoreHandle(link);
    try {
      handle.infoValue = (await handle.request({ kind: 'init', id: 0, payload: { model, options } })) as CoreInfo;
    } catch (err) {
      await link.terminate();
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
      this.worker.post({ ...msg, id });
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
    this.worker.post({ kind: 'add', id: this.nextId++, payload: [...reqs] });
  }

  abort(requestId: string): void {
    if (!this.failure) this.worker.post({ kind: 'abort', id: this.nextId++, payload: requestId });
  }

  async stats(): Promise<EngineStats> {
    return (await this.request({ kind: 'stats', id: 0 })) as EngineStats;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    try {
      if (!this.failure) await this.request({ kind: 'dispose', id: 0 });
    } finally {
      await this.worker.terminate();
    }
  }
}
