import { IpdError } from '../common';
import { BatchKvCache } from './batch-kv-cache';
import { DeviceKvBatch } from './device-kv-batch';
import { allocKv, copyPositions, type KvArray } from './kv-layout';
import type { ModelRunner, PastPrefix, StepResult } from './model-runner';
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
  /** Device path (KV on the GPU): one static batch at a time; finished rows ride along. */
  private deviceBatch?: DeviceKvBatch;
  private deviceRows: Array<Request | undefined> = [];
  private pending = new Int32Array(0);
  private readonly aborts = new Set<string>();
  private readonly ids = new Set<string>();
  private arrivals = 0;

  constructor(
    private readonly runner: ModelRunner,
    private readonly config: EngineCoreConfig,
  ) {
    const schedulerConfig: SchedulerConfig = {
      maxBatch: config.maxBatch ?? DEFAULT_SCHEDULER_CONFIG.maxBatch,
      maxPrefillTokens: config.maxPrefillTokens ?? DEFAULT_SCHEDULER_CONFIG.maxPrefillTokens,
      minSharedPrefix: config.minSharedPrefix ?? DEFAULT_SCHEDULER_CONFIG.minSharedPrefix,
      lengthRatio: config.lengthRatio ?? DEFAULT_SCHEDULER_CONFIG.lengthRatio,
    };
    // Prefix KV lives in host memory; on the device path the cache never comes back to the host.
    const bytes = runner.kvOnDevice ? 0 : (config.prefixCacheBytes ?? 512 * 1024 * 1024);
    this.prefixCache = bytes > 0 ? new PrefixCache(runner.shape, bytes) : undefined;
    this.scheduler = new Scheduler(schedulerConfig, this.prefixCache);
    this.cache = new BatchKvCache(runner.shape);
  }

  get numRunning(): number {
    return this.deviceBatch ? this.deviceBatch.numLive : this.rowRequests.length;
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
    // A device batch admits nobody until it has finished.
    const plan: StepPlan = this.scheduler.schedule(this.deviceBatch ? this.scheduler.config.maxBatch : this.numRunning);
    this.stats.numSteps++;
    switch (plan.kind) {
      case 'prefix':
        await this.computePrefix(plan.tokens, plan.base);
        break;
      case 'prefill':
        if (this.runner.kvOnDevice) await this.prefillDevice(plan.requests, outputs);
        else await this.prefill(plan.requests, plan.prefix, outputs);
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
  private pastFor(match: PrefixMatch): PastPrefix {
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
    this.stats.prefillMs += performance.now() - t0;
    this.stats.numPrefillTokens += suffixes.reduce((n, s) => n + s.length, 0);
    this.stats.numCachedPromptTokens += P * reqs.length;

    this.cache.reserve(this.numRunning + reqs.length, Math.max(this.cache.maxLength(), P + S) + 1);
    reqs.forEach((r, i) => {
      r.status = 'running';
      r.numCachedTokens = P;
      const tok = this.pick(res, i, r);
      const reason = r.appendToken(tok);
      if (reason) {
        outputs.push({ ...this.finish(r, reason, [tok]), numCachedTokens: P });
        return;
      }
      const row = this.cache.addRow();
      if (past) this.cache.appendFrom(row, past.keys, past.values, 0, P, 0, P);
      const len = suffixes[i].length;
      this.cache.appendFrom(row, res.newKeys, res.newValues, i, res.seq, res.newOffset + (S - len), len);
      this.rowRequests[row] = r;
      this.setPending(row, tok);
      outputs.push({ requestId: r.requestId, newTokenIds: [tok], numCachedTokens: P });
    });
    this.stats.maxBatchSize = Math.max(this.stats.maxBatchSize, this.numRunning);
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

  private async prefillDevice(reqs: Request[], outputs: EngineOutput[]): Promise<void> {
    const prompts = reqs.map((r) => r.promptTokenIds);
    let res: StepResult;
    const t0 = performance.now();
    try {
      res = await this.runner.prefill(prompts, undefined, this.wantLogits(reqs));
    } catch (err) {
      const e = IpdError.from(err, 'GENERATION_FAILED');
      for (const r of reqs) outputs.push(this.finish(r, 'error', [], e));
      return;
    }
    this.stats.prefillMs += performance.now() - t0;
    this.stats.numPrefillTokens += prompts.reduce((n, p) => n + p.length, 0);
    const S = Math.max(...prompts.map((p) => p.length));
    this.deviceBatch = new DeviceKvBatch(res.presentKeys!, res.presentValues!, S, prompts.map((p) => p.length));
    this.deviceRows = [...reqs];
    reqs.forEach((r, i) => {
      r.status = 'running';
      const tok = this.pick(res, i, r);
      const reason = r.appendToken(tok);
      this.setPending(i, tok);
      if (reason) {
        outputs.push(this.finish(r, reason, [tok]));
        this.dropDeviceRow(i);
      } else outputs.push({ requestId: r.requestId, newTokenIds: [tok], numCachedTokens: 0 });
    });
    this.stats.maxBatchSize = Math.max(this.stats.maxBatchSize, reqs.length);
  }

  private async decodeDevice(outputs: EngineOutput[]): Promise<void> {
    const batch = this.deviceBatch!;
    const live = this.deviceRows.filter((r): r is Request => r !== undefined);
    let res: StepResult;
    const t0 = performance.now();
    try {
      res = await this.runner.decodeDevice(batch, this.pending.subarray(0, batch.numRows), this.wantLogits(live));
    } catch (err) {
      const e = IpdError.from(err, 'GENERATION_FAILED');
      this.deviceRows.forEach((r, row) => {
        if (r) outputs.push(this.finish(r, 'error', [], e));
        this.dropDeviceRow(row);
      });
      return;
    }
    batch.advance(res.presentKeys!, res.presentValues!);
    this.stats.decodeMs += performance.now() - t0;
    this.stats.numDecodeTokens += live.length;
    this.deviceRows.forEach((r, row) => {
      if (!r) return;
      const tok = this.pick(res, row, r);
      let reason = r.appendToken(tok);
      if (!reason && this.config.maxContext !== undefined && batch.lengths[row] + 1 >= this.config.maxContext) reason = 'length';
      this.pending[row] = tok;
      if (reason) {
        outputs.push(this.finish(r, reason, [tok]));
        this.dropDeviceRow(row);
      } else outputs.push({ requestId: r.requestId, newTokenIds: [tok] });
    });
  }

  /** Marks a device row finished; the batch (and its GPU memory) goes when no row is left. */
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
