import type { Tensor } from 'onnxruntime-common';
import { IpdError } from '../common';
import { BatchKvCache } from './batch-kv-cache';
import { DeviceKvBatch } from './device-kv-batch';
import { disposeKv, type DeviceKv, type DeviceKvRows } from './device-kv-rows';
import { allocKv, copyPositions, type KvArray } from './kv-layout';
import type { HostPast, ModelRunner, StepResult } from './model-runner';
import { PrefixCache, type PrefixMatch } from './prefix-cache';
import { Request } from './request';
import { DEFAULT_SCHEDULER_CONFIG, Scheduler, type SchedulerConfig, type StepPlan } from './scheduler';
import { emptyStats, type EngineOutput, type EngineStats, type FinishReason, type GenerateRequest } from './types';

export interface EngineCoreConfig extends Partial<SchedulerConfig> {
  /** Bytes of prompt-prefix KV kept for reuse; 0 turns prefix reuse off. */
  prefixCacheBytes?: number;
  eosTokenIds: readonly number[];
  /** Longest sequence the model takes (prompt + output); undefined = no limit. */
  maxContext?: number;
}

const FINISH_STATUS = { stop: 'finished_stopped', length: 'finished_length', abort: 'finished_aborted', error: 'finished_error' } as const;

/**
 * One engine step at a time: schedule, execute on the runner, update requests and caches.
 * Knows nothing of prompts' meaning; takes token ids, gives token ids.
 */
export class EngineCore {
  readonly stats: EngineStats = emptyStats();
  private readonly scheduler: Scheduler;
  private readonly cache: BatchKvCache;
  private readonly prefixCache?: PrefixCache;
  private readonly rowRequests: Request[] = [];
  /**
   * Device path (KV on the GPU): one batch whose rows are rearranged on the device as
   * requests join and leave; a finished row is marked here and removed before the next step.
   */
  private deviceBatch?: DeviceKvBatch;
  private deviceRows: Array<Request | undefined> = [];
  private readonly devicePrefixCache?: PrefixCache<Tensor>;
  private pending = new Int32Array(0);
  private readonly aborts = new Set<string>();
  private readonly ids = new Set<string>();
  private arrivals = 0;

  constructor(
    private readonly runner: ModelRunner,
    private readonly config: EngineCoreConfig,
    /** Row surgery on the device cache; required when the runner keeps KV on the device. */
    private readonly deviceKv?: DeviceKvRows,
  ) {
    if (runner.kvOnDevice && !deviceKv) throw new Error('EngineCore: a device-resident KV cache needs DeviceKvRows');
    const schedulerConfig: SchedulerConfig = {
      maxBatch: config.maxBatch ?? DEFAULT_SCHEDULER_CONFIG.maxBatch,
      maxPrefillTokens: config.maxPrefillTokens ?? DEFAULT_SCHEDULER_CONFIG.maxPrefillTokens,
      minSharedPrefix: config.minSharedPrefix ?? DEFAULT_SCHEDULER_CONFIG.minSharedPrefix,
      lengthRatio: config.lengthRatio ?? DEFAULT_SCHEDULER_CONFIG.lengthRatio,
    };
    // Prefix KV lives where the cache lives: host memory, or device tensors freed on eviction.
    const bytes = config.prefixCacheBytes ?? 512 * 1024 * 1024;
    if (bytes > 0 && runner.kvOnDevice) this.devicePrefixCache = new PrefixCache<Tensor>(runner.shape, bytes, undefined, disposeKv);
    else if (bytes > 0) this.prefixCache = new PrefixCache(runner.shape, bytes);
    this.scheduler = new Scheduler(schedulerConfig, this.prefixCache ?? this.devicePrefixCache);
    this.cache = new BatchKvCache(runner.shape);
  }

  get numRunning(): number {
    if (!this.runner.kvOnDevice) return this.rowRequests.length;
    let n = 0;
    for (const r of this.deviceRows) if (r) n++;
    return n;
  }

  /** Frees what the core holds on the device (the batch, cached prefixes, the row-surgery sessions). */
  async dispose(): Promise<void> {
    this.deviceBatch?.dispose();
    this.deviceBatch = undefined;
    this.deviceRows = [];
    this.devicePrefixCache?.clear();
    await this.deviceKv?.release();
  }

  get numWaiting(): number {
    return this.scheduler.numWaiting;
  }

  hasWork(): boolean {
    return this.numRunning > 0 || this.numWaiting > 0 || this.aborts.size > 0;
  }

  /** Validates and queues a request; a bad request is rejected here, never mid-batch. */
  add(req: GenerateRequest): void {
    const where = `request ${req.requestId}`;
    if (this.ids.has(req.requestId)) throw new IpdError('INPUT_INVALID', `${where}: duplicate request id`);
    if (req.promptTokenIds.length === 0) throw new IpdError('INPUT_INVALID', `${where}: empty prompt`, { field: 'prompt' });
    const vocab = this.runner.vocabSize;
    const bad = req.promptTokenIds.find((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
    if (bad !== undefined) throw new IpdError('INPUT_INVALID', `${where}: token id ${bad} outside the vocabulary (0..${vocab - 1})`, { field: 'prompt' });
    if (!Number.isInteger(req.sampling.maxNewTokens) || req.sampling.maxNewTokens < 1) {
      throw new IpdError('INPUT_INVALID', `${where}: max_new_tokens must be a positive integer (got ${req.sampling.maxNewTokens})`, { field: 'max_new_tokens' });
    }
    const max = this.config.maxContext;
    if (max !== undefined && req.promptTokenIds.length >= max) {
      throw new IpdError('INPUT_INVALID', `${where}: prompt of ${req.promptTokenIds.length} tokens does not fit the model's context of ${max}`, {
        field: 'prompt',
        hint: 'shorten the prompt or use a model with a longer context',
      });
    }
    this.ids.add(req.requestId);
    this.scheduler.add(new Request(req, this.arrivals++, this.config.eosTokenIds));
  }

  abort(requestId: string): void {
    if (this.ids.has(requestId)) this.aborts.add(requestId);
  }

  async step(): Promise<EngineOutput[]> {
    const outputs: EngineOutput[] = [];
    if (this.aborts.size > 0) this.applyAborts(outputs);
    const plan: StepPlan = this.scheduler.schedule(this.numRunning);
    this.stats.numSteps++;
    switch (plan.kind) {
      case 'prefix':
        if (this.runner.kvOnDevice) await this.computeDevicePrefix(plan.tokens, plan.base as PrefixMatch<Tensor> | undefined);
        else await this.computePrefix(plan.tokens, plan.base as PrefixMatch | undefined);
        break;
      case 'prefill':
        if (this.runner.kvOnDevice) await this.prefillDevice(plan.requests, plan.prefix as PrefixMatch<Tensor> | undefined, outputs);
        else await this.prefill(plan.requests, plan.prefix as PrefixMatch | undefined, outputs);
        break;
      case 'decode':
        if (this.deviceBatch) await this.decodeDevice(outputs);
        else await this.decode(outputs);
        break;
      case 'idle':
        break;
    }
    return outputs;
  }

  private applyAborts(outputs: EngineOutput[]): void {
    for (const r of this.scheduler.abortWaiting(this.aborts)) outputs.push(this.finish(r, 'abort'));
    for (let row = this.rowRequests.length - 1; row >= 0; row--) {
      const r = this.rowRequests[row];
      if (this.aborts.has(r.requestId)) {
        outputs.push(this.finish(r, 'abort'));
        this.removeRow(row);
      }
    }
    this.deviceRows.forEach((r, row) => {
      if (r && this.aborts.has(r.requestId)) {
        outputs.push(this.finish(r, 'abort'));
        this.dropDeviceRow(row);
      }
    });
    this.aborts.clear();
  }

  private finish(r: Request, reason: FinishReason, newTokenIds: number[] = [], error?: IpdError): EngineOutput {
    r.status = FINISH_STATUS[reason];
    this.ids.delete(r.requestId);
    return { requestId: r.requestId, newTokenIds, finishReason: reason, ...(error && { error: error.toRecord() }) };
  }

  /** The first `length` positions of a cached prefix as [1, kv, length, hd] per layer. */
  private pastFor(match: PrefixMatch): HostPast {
    const { entry, length } = match;
    if (length === entry.tokens.length) return { keys: entry.keys, values: entry.values, length };
    const { kvHeads, headDim, dtype } = this.runner.shape;
    const cut = (src: KvArray) => {
      const out = allocKv(dtype, kvHeads * length * headDim);
      copyPositions(src, 0, entry.tokens.length, 0, out, 0, length, 0, length, kvHeads, headDim);
      return out;
    };
    return { keys: entry.keys.map(cut), values: entry.values.map(cut), length };
  }

  /** Computes and caches a prompt prefix shared by several waiting requests. */
  private async computePrefix(tokens: readonly number[], base: PrefixMatch | undefined): Promise<void> {
    const past = base ? this.pastFor(base) : undefined;
    const P = past?.length ?? 0;
    const t0 = performance.now();
    const res = await this.runner.prefill([tokens.slice(P)], past, false);
    this.stats.prefillMs += performance.now() - t0;
    this.stats.numPrefillTokens += tokens.length - P;
    const { kvHeads, headDim, dtype } = this.runner.shape;
    const L = tokens.length;
    const gather = (pastArr: KvArray | undefined, step: KvArray) => {
      const out = allocKv(dtype, kvHeads * L * headDim);
      if (pastArr) copyPositions(pastArr, 0, P, 0, out, 0, L, 0, P, kvHeads, headDim);
      copyPositions(step, 0, res.seq, res.newOffset, out, 0, L, P, L - P, kvHeads, headDim);
      return out;
    };
    this.prefixCache!.insert(
      tokens,
      res.newKeys.map((k, i) => gather(past?.keys[i], k)),
      res.newValues.map((v, i) => gather(past?.values[i], v)),
    );
  }

  private wantLogits(reqs: readonly Request[]): boolean {
    return !this.runner.lean?.nextToken || reqs.some((r) => !r.sampler.greedy);
  }

  private pick(res: StepResult, i: number, r: Request): number {
    if (res.nextTokens) return Number(res.nextTokens[i]);
    const V = this.runner.vocabSize;
    return r.sampler.sample(res.logits!.subarray(i * V, (i + 1) * V));
  }

  private async prefill(reqs: Request[], match: PrefixMatch | undefined, outputs: EngineOutput[]): Promise<void> {
    const past = match ? this.pastFor(match) : undefined;
    const P = past?.length ?? 0;
    const suffixes = reqs.map((r) => r.promptTokenIds.slice(P));
    const S = Math.max(...suffixes.map((s) => s.length));
    let res: StepResult;
    const t0 = performance.now();
    try {
      res = await this.runner.prefill(suffixes, past, this.wantLogits(reqs));
    } catch (err) {
      const e = IpdError.from(err, 'GENERATION_FAILED');
      for (const r of reqs) outputs.push(this.finish(r, 'error', [], e));
      return;
    }
    this.countPrefill(t0, suffixes, P);
    this.cache.reserve(this.numRunning + reqs.length, Math.max(this.cache.maxLength(), P + S) + 1);
    this.startRequests(reqs, res, P, outputs, (r, i, tok) => {
      const row = this.cache.addRow();
      if (past) this.cache.appendFrom(row, past.keys, past.values, 0, P, 0, P);
      const len = suffixes[i].length;
      this.cache.appendFrom(row, res.newKeys, res.newValues, i, res.seq, res.newOffset + (S - len), len);
      this.rowRequests[row] = r;
      this.setPending(row, tok);
    });
    this.stats.maxBatchSize = Math.max(this.stats.maxBatchSize, this.numRunning);
  }

  private countPrefill(t0: number, suffixes: readonly (readonly number[])[], cached: number): void {
    this.stats.prefillMs += performance.now() - t0;
    this.stats.numPrefillTokens += suffixes.reduce((n, s) => n + s.length, 0);
    this.stats.numCachedPromptTokens += cached * suffixes.length;
  }

  /**
   * Takes each prefilled request's first token and reports it; `keep` receives the
   * requests that go on decoding (the others ended on that token).
   */
  private startRequests(reqs: Request[], res: StepResult, cached: number, outputs: EngineOutput[], keep: (r: Request, i: number, tok: number) => void): void {
    reqs.forEach((r, i) => {
      r.status = 'running';
      r.numCachedTokens = cached;
      const tok = this.pick(res, i, r);
      const reason = r.appendToken(tok);
      if (reason) {
        outputs.push({ ...this.finish(r, reason, [tok]), numCachedTokens: cached });
        return;
      }
      keep(r, i, tok);
      outputs.push({ requestId: r.requestId, newTokenIds: [tok], numCachedTokens: cached });
    });
  }

  private setPending(row: number, tok: number): void {
    if (this.pending.length <= row) {
      const p = new Int32Array(Math.max(16, (row + 1) * 2));
      p.set(this.pending);
      this.pending = p;
    }
    this.pending[row] = tok;
  }

  private async decode(outputs: EngineOutput[]): Promise<void> {
    const B = this.numRunning;
    this.cache.reserve(B, this.cache.maxLength() + 1);
    let res: StepResult;
    const t0 = performance.now();
    try {
      res = await this.runner.decode(this.cache, this.pending.subarray(0, B), this.wantLogits(this.rowRequests));
    } catch (err) {
      const e = IpdError.from(err, 'GENERATION_FAILED');
      for (let row = B - 1; row >= 0; row--) {
        outputs.push(this.finish(this.rowRequests[row], 'error', [], e));
        this.removeRow(row);
      }
      return;
    }
    this.stats.decodeMs += performance.now() - t0;
    this.stats.numDecodeTokens += B;
    const done: number[] = [];
    for (let row = 0; row < B; row++) {
      const r = this.rowRequests[row];
      this.cache.appendFrom(row, res.newKeys, res.newValues, row, res.seq, res.newOffset, 1);
      const tok = this.pick(res, row, r);
      let reason = r.appendToken(tok);
      if (!reason && this.config.maxContext !== undefined && this.cache.lengths[row] + 1 >= this.config.maxContext) reason = 'length';
      if (reason) {
        outputs.push(this.finish(r, reason, [tok]));
        done.push(row);
      } else {
        this.pending[row] = tok;
        outputs.push({ requestId: r.requestId, newTokenIds: [tok] });
      }
    }
    for (let i = done.length - 1; i >= 0; i--) this.removeRow(done[i]);
    if (done.length > 0) this.cache.reserve(this.numRunning, this.cache.maxLength() + 1);
  }

  private liveDeviceRows(): number[] {
    const live: number[] = [];
    this.deviceRows.forEach((r, row) => {
      if (r) live.push(row);
    });
    return live;
  }

  /** The first `length` positions of a device prefix entry, one copy per row of the group. */
  private devicePast(match: PrefixMatch<Tensor>, rows: number): Promise<DeviceKv> {
    const { entry, length } = match;
    return this.deviceKv!.rearrange({ keys: entry.keys, values: entry.values, rows: new Array<number>(rows).fill(0), start: 0, end: length, padLeft: 0 });
  }

  /** Computes a prompt prefix shared by several waiting requests and keeps its KV on the device. */
  private async computeDevicePrefix(tokens: readonly number[], base: PrefixMatch<Tensor> | undefined): Promise<void> {
    const P = base?.length ?? 0;
    const past = base ? await this.devicePast(base, 1) : undefined;
    const t0 = performance.now();
    let res: StepResult;
    try {
      res = await this.runner.prefill([tokens.slice(P)], past && { onDevice: true, ...past, length: P }, false);
    } finally {
      if (past) disposeKv(past);
    }
    this.stats.prefillMs += performance.now() - t0;
    this.stats.numPrefillTokens += tokens.length - P;
    // present.* of this step is the whole prefix, [1, kv, length, hd] per layer.
    const kv = { keys: res.presentKeys!, values: res.presentValues! };
    if (!this.devicePrefixCache!.insert(tokens, kv.keys, kv.values)) disposeKv(kv);
  }

  private async prefillDevice(reqs: Request[], match: PrefixMatch<Tensor> | undefined, outputs: EngineOutput[]): Promise<void> {
    const P = match?.length ?? 0;
    const suffixes = reqs.map((r) => r.promptTokenIds.slice(P));
    let res: StepResult;
    let past: DeviceKv | undefined;
    const t0 = performance.now();
    try {
      past = match ? await this.devicePast(match, reqs.length) : undefined;
      res = await this.runner.prefill(suffixes, past && { onDevice: true, ...past, length: P }, this.wantLogits(reqs));
    } catch (err) {
      const e = IpdError.from(err, 'GENERATION_FAILED');
      for (const r of reqs) outputs.push(this.finish(r, 'error', [], e));
      return;
    } finally {
      if (past) disposeKv(past);
    }
    this.countPrefill(t0, suffixes, P);
    const fresh = DeviceKvBatch.fromPrefill({ keys: res.presentKeys!, values: res.presentValues! }, P, suffixes.map((x) => x.length));
    const joining: number[] = [];
    const tokens: number[] = [];
    this.startRequests(reqs, res, P, outputs, (_r, i, tok) => {
      joining.push(i);
      tokens.push(tok);
    });
    await this.joinDevice(fresh, joining, tokens, outputs, reqs);
    this.stats.maxBatchSize = Math.max(this.stats.maxBatchSize, this.numRunning);
  }

  /**
   * Continuous batching on the device: the running rows and the joining rows of a fresh
   * prefill become one batch (finished rows dropped, columns trimmed), without a host copy.
   */
  private async joinDevice(fresh: DeviceKvBatch, rows: number[], tokens: number[], outputs: EngineOutput[], reqs: Request[]): Promise<void> {
    if (rows.length === 0) {
      fresh.dispose();
      return;
    }
    const old = this.deviceBatch;
    const live = this.liveDeviceRows();
    if (!old && rows.length === fresh.numRows) {
      this.adoptDevice(fresh, rows.map((i) => reqs[i]), tokens);
      return;
    }
    const parts = old ? [{ batch: old, rows: live }, { batch: fresh, rows }] : [{ batch: fresh, rows }];
    let next: DeviceKvBatch;
    try {
      next = await DeviceKvBatch.gather(this.deviceKv!, parts);
    } catch (err) {
      const e = IpdError.from(err, 'GENERATION_FAILED');
      for (const r of [...live.map((row) => this.deviceRows[row]!), ...rows.map((i) => reqs[i])]) outputs.push(this.finish(r, 'error', [], e));
      old?.dispose();
      fresh.dispose();
      this.deviceBatch = undefined;
      this.deviceRows = [];
      return;
    }
    const keptTokens = [...live.map((row) => this.pending[row]), ...tokens];
    const keptRequests = [...live.map((row) => this.deviceRows[row]!), ...rows.map((i) => reqs[i])];
    old?.dispose();
    fresh.dispose();
    this.adoptDevice(next, keptRequests, keptTokens);
  }

  private adoptDevice(batch: DeviceKvBatch, reqs: Request[], tokens: readonly number[]): void {
    this.deviceBatch = batch;
    this.deviceRows = reqs;
    tokens.forEach((tok, row) => this.setPending(row, tok));
  }

  /** Removes finished rows from the device batch and trims the columns only they needed. */
  private async compactDevice(outputs: EngineOutput[]): Promise<void> {
    const batch = this.deviceBatch!;
    if (this.numRunning === batch.numRows) return;
    const live = this.liveDeviceRows();
    const reqs = live.map((row) => this.deviceRows[row]!);
    const tokens = live.map((row) => this.pending[row]);
    try {
      this.adoptDevice(await DeviceKvBatch.gather(this.deviceKv!, [{ batch, rows: live }]), reqs, tokens);
    } catch (err) {
      const e = IpdError.from(err, 'GENERATION_FAILED');
      for (const r of reqs) outputs.push(this.finish(r, 'error', [], e));
      this.deviceBatch = undefined;
      this.deviceRows = [];
    } finally {
      batch.dispose();
    }
  }

  private async decodeDevice(outputs: EngineOutput[]): Promise<void> {
    await this.compactDevice(outputs);
    const batch = this.deviceBatch;
    if (!batch) return;
    const B = batch.numRows;
    let res: StepResult;
    const t0 = performance.now();
    try {
      res = await this.runner.decodeDevice(batch, this.pending.subarray(0, B), this.wantLogits(this.deviceRows as Request[]));
    } catch (err) {
      const e = IpdError.from(err, 'GENERATION_FAILED');
      this.deviceRows.forEach((r, row) => {
        if (r) outputs.push(this.finish(r, 'error', [], e));
        this.dropDeviceRow(row);
      });
      return;
    }
    batch.advance({ keys: res.presentKeys!, values: res.presentValues! });
    this.stats.decodeMs += performance.now() - t0;
    this.stats.numDecodeTokens += B;
    this.deviceRows.forEach((r, row) => {
      if (!r) return;
      const tok = this.pick(res, row, r);
      let reason = r.appendToken(tok);
      if (!reason && this.config.maxContext !== undefined && batch.length(row) + 1 >= this.config.maxContext) reason = 'length';
      this.pending[row] = tok;
      if (reason) {
        outputs.push(this.finish(r, reason, [tok]));
        this.dropDeviceRow(row);
      } else outputs.push({ requestId: r.requestId, newTokenIds: [tok] });
    });
  }

  /** Marks a device row finished; it leaves the batch before the next step (all of it, when none is left). */
  private dropDeviceRow(row: number): void {
    this.deviceRows[row] = undefined;
    if (this.deviceBatch && this.deviceRows.every((r) => r === undefined)) {
      this.deviceBatch.dispose();
      this.deviceBatch = undefined;
      this.deviceRows = [];
    }
  }

  private removeRow(row: number): void {
    const moved = this.cache.removeRow(row);
    const last = this.rowRequests.length - 1;
    if (moved >= 0) {
      this.rowRequests[row] = this.rowRequests[last];
      this.pending[row] = this.pending[last];
    }
    this.rowRequests.length = last;
  }
}
