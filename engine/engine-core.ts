import { IpdError } from '../common';
import type { KvCacheManager } from './kv-cache-manager';
import type { ModelRunner, PastPrefix, StepResult } from './model-runner';
import type { PrefixMatch } from './prefix-cache';
import { Request } from './request';
import { DEFAULT_SCHEDULER_CONFIG, Scheduler, type SchedulerConfig } from './scheduler';
import { emptyStats, type EngineOutput, type EngineStats, type FinishReason, type GenerateRequest } from './types';

export interface EngineCoreConfig extends Partial<SchedulerConfig> {
  eosTokenIds: readonly number[];
  /** Longest sequence the model takes (prompt + output); undefined = no limit. */
  maxContext?: number;
}

const FINISH_STATUS = { stop: 'finished_stopped', length: 'finished_length', abort: 'finished_aborted', error: 'finished_error' } as const;

/**
 * One engine step at a time (after vLLM v1's EngineCore): the scheduler decides, the runner
 * executes on the KV cache manager's pasts, and the outputs update requests and caches. The
 * loop is the same wherever the cache lives. Knows nothing of prompts' meaning; takes token
 * ids, gives token ids.
 */
export class EngineCore {
  readonly stats: EngineStats = emptyStats();
  private readonly scheduler: Scheduler;
  private tokens = new Int32Array(16);
  private readonly aborts = new Set<string>();
  private readonly ids = new Set<string>();
  private arrivals = 0;

  constructor(
    private readonly runner: ModelRunner,
    private readonly kv: KvCacheManager,
    private readonly config: EngineCoreConfig,
  ) {
    const pick = <K extends keyof SchedulerConfig>(k: K) => config[k] ?? DEFAULT_SCHEDULER_CONFIG[k];
    const schedulerConfig: SchedulerConfig = {
      maxBatch: pick('maxBatch'),
      maxPrefillTokens: pick('maxPrefillTokens'),
      minSharedPrefix: pick('minSharedPrefix'),
      lengthRatio: pick('lengthRatio'),
      lookahead: pick('lookahead'),
      maxKvPositions: pick('maxKvPositions'),
      maxContext: config.maxContext ?? DEFAULT_SCHEDULER_CONFIG.maxContext,
    };
    this.scheduler = new Scheduler(schedulerConfig, kv.prefixes);
  }

  get numRunning(): number {
    return this.scheduler.numRunning;
  }

  get numWaiting(): number {
    return this.scheduler.numWaiting;
  }

  /** Frees what the core holds on the device (the batch, cached prefixes, helper sessions). */
  dispose(): Promise<void> {
    return this.kv.dispose();
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
    const plan = this.scheduler.schedule();
    this.stats.numSteps++;
    switch (plan.kind) {
      case 'prefix':
        await this.cachePrefix(plan.tokens, plan.base);
        break;
      case 'prefill':
        await this.prefill(plan.requests, plan.prefix, outputs);
        break;
      case 'decode':
        await this.decode(outputs);
        break;
      case 'idle':
        break;
    }
    return outputs;
  }

  private applyAborts(outputs: EngineOutput[]): void {
    const found = this.scheduler.find(this.aborts);
    this.kv.remove(new Set(found));
    for (const r of found) outputs.push(this.finish(r, 'abort'));
    this.aborts.clear();
  }

  private finish(r: Request, reason: FinishReason, newTokenIds: number[] = [], error?: IpdError): EngineOutput {
    this.scheduler.finish([r], FINISH_STATUS[reason]);
    this.ids.delete(r.requestId);
    return { requestId: r.requestId, newTokenIds, finishReason: reason, ...(error && { error: error.toRecord() }) };
  }

  /** A step that failed ends these requests (and their rows) with its error. */
  private fail(reqs: readonly Request[], err: unknown, outputs: EngineOutput[]): void {
    const e = IpdError.from(err, 'GENERATION_FAILED');
    const all = [...reqs];
    this.kv.remove(new Set(all));
    for (const r of all) outputs.push(this.finish(r, 'error', [], e));
  }

  /** Computes a prompt prefix shared by several waiting requests and caches its KV. */
  private async cachePrefix(tokens: readonly number[], base: PrefixMatch<unknown> | undefined): Promise<void> {
    const past = base ? await this.kv.pastFor(base, 1) : undefined;
    const P = past?.length ?? 0;
    const t0 = performance.now();
    try {
      const res = await this.runner.prefill([tokens.slice(P)], past, false);
      this.kv.storePrefix(tokens, res, past);
    } catch {
      // Not cached: the requests sharing it prefill in full (and report a lasting failure).
    } finally {
      if (past) this.kv.releasePast(past);
    }
    this.stats.prefillMs += performance.now() - t0;
    this.stats.numPrefillTokens += tokens.length - P;
  }

  private wantLogits(reqs: readonly Request[]): boolean {
    const lean = this.runner.lean;
    return !(lean?.nextToken || lean?.screen) || reqs.some((r) => !r.sampler.greedy);
  }

  private pick(res: StepResult, i: number, r: Request): number {
    if (res.nextTokens) return Number(res.nextTokens[i]);
    const V = this.runner.vocabSize;
    return r.sampler.sample(res.logits!.subarray(i * V, (i + 1) * V));
  }

  private async prefill(reqs: Request[], match: PrefixMatch<unknown> | undefined, outputs: EngineOutput[]): Promise<void> {
    let past: PastPrefix | undefined;
    const P = match?.length ?? 0;
    const suffixes = reqs.map((r) => r.promptTokenIds.slice(P));
    const t0 = performance.now();
    let res: StepResult;
    try {
      past = match ? await this.kv.pastFor(match, reqs.length) : undefined;
      res = await this.runner.prefill(suffixes, past, this.wantLogits(reqs));
    } catch (err) {
      if (past) this.kv.releasePast(past);
      return this.fail(reqs, err, outputs);
    }
    this.stats.prefillMs += performance.now() - t0;
    this.stats.numPrefillTokens += suffixes.reduce((n, s) => n + s.length, 0);
    this.stats.numCachedPromptTokens += P * suffixes.length;

    // Each request's first token; the ones that did not end on it join the running batch.
    const joining: Request[] = [];
    const groupRows: number[] = [];
    reqs.forEach((r, i) => {
      r.numCachedTokens = P;
      const tok = this.pick(res, i, r);
      const reason = r.appendToken(tok);
      if (reason) outputs.push({ ...this.finish(r, reason, [tok]), numCachedTokens: P });
      else {
        joining.push(r);
        groupRows.push(i);
        outputs.push({ requestId: r.requestId, newTokenIds: [tok], numCachedTokens: P });
      }
    });
    try {
      await this.kv.admit(joining, groupRows, res, past, suffixes.map((s) => s.length));
    } catch (err) {
      // The batch could not be rebuilt: everything running ends with the error.
      this.kv.clearRows();
      this.fail([...this.scheduler.running], err, outputs);
    } finally {
      if (past) this.kv.releasePast(past);
    }
    this.stats.maxBatchSize = Math.max(this.stats.maxBatchSize, this.numRunning);
  }

  private async decode(outputs: EngineOutput[]): Promise<void> {
    let res: StepResult;
    const t0 = performance.now();
    let B = 0;
    try {
      const batch = await this.kv.prepareDecode();
      const rows = this.kv.rows;
      B = rows.length;
      if (this.tokens.length < B) this.tokens = new Int32Array(B * 2);
      for (let r = 0; r < B; r++) this.tokens[r] = rows[r].lastTokenId;
      res = await this.runner.decode(batch, this.tokens.subarray(0, B), this.wantLogits(rows));
      this.kv.commitDecode(res);
    } catch (err) {
      this.kv.clearRows();
      return this.fail([...this.scheduler.running], err, outputs);
    }
    this.stats.decodeMs += performance.now() - t0;
    this.stats.numDecodeTokens += B;
    const rows = this.kv.rows;
    let done: Set<Request> | undefined;
    for (let row = 0; row < B; row++) {
      const r = rows[row];
      const tok = this.pick(res, row, r);
      let reason = r.appendToken(tok);
      if (!reason && this.config.maxContext !== undefined && r.numTokens >= this.config.maxContext) reason = 'length';
      if (reason) {
        outputs.push(this.finish(r, reason, [tok]));
        (done ??= new Set()).add(r);
      } else outputs.push({ requestId: r.requestId, newTokenIds: [tok] });
    }
    if (done) this.kv.remove(done);
  }
}
