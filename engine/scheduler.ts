import { commonPrefix, type PrefixMatch } from './prefix-cache';
import type { Request } from './request';
import type { RequestStatus } from './types';

export interface SchedulerConfig {
  /** Most rows decoding together. */
  maxBatch: number;
  /** Most (padded) prompt tokens one prefill step may compute. */
  maxPrefillTokens: number;
  /** Share a prefix among waiting requests when at least this many tokens are common. */
  minSharedPrefix: number;
  /** Suffix lengths in one prefill group stay within this ratio of the first one's. */
  lengthRatio: number;
  /**
   * Waiting requests looked at when a prefill is planned (group partners and shared
   * prefixes): a bounded window, so a step costs the same with 50 or 50,000 waiting. Runs
   * submit the pathways of one item together, so the partners sit next to each other.
   */
  lookahead: number;
  /**
   * The most KV positions the running batch may come to hold: its rows times the longest
   * row's final length (prompt + output limit, at most maxContext), as the host cache lays
   * rows out. A request that could take the batch past it waits for rows to finish, so a
   * large model's batch cannot outgrow memory; with no row running, one always starts.
   */
  maxKvPositions: number;
  /** Longest sequence the model takes (caps a request's final length). */
  maxContext: number;
}

/**
 * Measured on 2 CPU cores (bench preset, 460-token prompts): prefill is compute-bound and
 * gains nothing from batching (667 tok/s alone, 650 for 4 equal prompts, 539 for 8) while
 * padding costs in full (524 tok/s for 4 prompts of 400-520 tokens), so groups hold nearly
 * equal lengths; decode shares one weight read per step among all rows, so the batch is wide.
 */
export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = {
  maxBatch: 32,
  maxPrefillTokens: 768,
  minSharedPrefix: 32,
  lengthRatio: 1.05,
  lookahead: 64,
  maxKvPositions: Infinity,
  maxContext: Infinity,
};

/** What the engine runs next: plain data, so a failing step can be reported as it was. */
export type StepPlan =
  | { kind: 'prefix'; tokens: readonly number[]; base?: PrefixMatch<unknown> }
  | { kind: 'prefill'; requests: Request[]; prefix?: PrefixMatch<unknown> }
  | { kind: 'decode' }
  | { kind: 'idle' };

/** What the scheduler asks of a prefix cache, wherever its KV lives. */
export interface PrefixLookup {
  match(tokens: readonly number[]): PrefixMatch<unknown> | undefined;
}

/**
 * Owns the requests (after vLLM v1's scheduler): the waiting queue and the running batch.
 * Each step it decides: new requests join the running batch as soon as rows are free
 * (continuous batching), prompts of similar length are prefilled together within a token
 * budget, and a prefix that several waiting prompts share is computed once and cached.
 */
export class Scheduler {
  /** Waiting requests from `head` on (a queue that never shifts its array per request). */
  private queue: Array<Request | undefined> = [];
  private head = 0;
  private numQueued = 0;
  private readonly runningList: Request[] = [];

  constructor(
    readonly config: SchedulerConfig,
    private readonly prefixCache?: PrefixLookup,
  ) {}

  add(req: Request): void {
    this.queue.push(req);
    this.numQueued++;
  }

  get numWaiting(): number {
    return this.numQueued;
  }

  get numRunning(): number {
    return this.runningList.length;
  }

  get running(): readonly Request[] {
    return this.runningList;
  }

  /** Ends requests (waiting or running): they leave the scheduler with their final status. */
  finish(reqs: Iterable<Request>, status: RequestStatus): void {
    for (const r of reqs) {
      if (r.status === 'waiting') {
        const i = this.queue.indexOf(r, this.head);
        if (i >= 0) this.dequeue(i);
      } else {
        const i = this.runningList.indexOf(r);
        if (i >= 0) this.runningList.splice(i, 1);
      }
      r.status = status;
    }
  }

  /** Requests with these ids, waiting or running. */
  find(ids: ReadonlySet<string>): Request[] {
    const out = this.runningList.filter((r) => ids.has(r.requestId));
    for (let i = this.head; i < this.queue.length; i++) {
      const r = this.queue[i];
      if (r && ids.has(r.requestId)) out.push(r);
    }
    return out;
  }

  schedule(): StepPlan {
    const free = this.config.maxBatch - this.runningList.length;
    if (free > 0 && this.numQueued > 0) return this.planPrefill(free);
    return this.runningList.length > 0 ? { kind: 'decode' } : { kind: 'idle' };
  }

  /** The first `n` waiting requests, with their queue positions. */
  private window(n: number): Array<{ req: Request; at: number }> {
    const out: Array<{ req: Request; at: number }> = [];
    for (let i = this.head; i < this.queue.length && out.length < n; i++) {
      const r = this.queue[i];
      if (r) out.push({ req: r, at: i });
    }
    return out;
  }

  private planPrefill(free: number): StepPlan {
    const waiting = this.window(this.config.lookahead);
    const head = waiting[0].req;
    // The KV budget: rows x the longest final length, the running rows' and the new ones'.
    let longest = this.finalLength(head);
    for (const r of this.runningList) longest = Math.max(longest, this.finalLength(r));
    const fits = (rows: number, len: number) => rows * len <= this.config.maxKvPositions;
    if (this.runningList.length > 0 && !fits(this.runningList.length + 1, longest)) return { kind: 'decode' };

    const match = this.prefixCache?.match(head.promptTokenIds);
    // Tried once per head request: if the cache cannot take the prefix, prefill as usual.
    const shared = this.prefixCache && !head.sharedPrefixTried ? this.sharedPrefix(head, waiting, match?.length ?? 0) : 0;
    if (shared > 0) {
      head.sharedPrefixTried = true;
      return { kind: 'prefix', tokens: head.promptTokenIds.slice(0, shared), base: match };
    }

    const suffixLen = (r: Request, m?: PrefixMatch<unknown>) => r.promptTokenIds.length - (m?.length ?? 0);
    const headLen = suffixLen(head, match);
    const group = [waiting[0]];
    let maxLen = headLen;
    for (let i = 1; i < waiting.length && group.length < free; i++) {
      const r = waiting[i].req;
      const m = this.prefixCache?.match(r.promptTokenIds);
      // One group shares one past: the same cached prefix (or none), at the same length.
      if ((m?.entry ?? undefined) !== (match?.entry ?? undefined) || (m?.length ?? 0) !== (match?.length ?? 0)) continue;
      const len = suffixLen(r, m);
      if (len > headLen * this.config.lengthRatio || len * this.config.lengthRatio < headLen) continue;
      const newMax = Math.max(maxLen, len);
      if (newMax * (group.length + 1) > this.config.maxPrefillTokens) continue;
      const newLongest = Math.max(longest, this.finalLength(r));
      if (!fits(this.runningList.length + group.length + 1, newLongest)) continue;
      group.push(waiting[i]);
      maxLen = newMax;
      longest = newLongest;
    }
    for (const g of group) {
      this.dequeue(g.at);
      g.req.status = 'running';
      this.runningList.push(g.req);
    }
    return { kind: 'prefill', requests: group.map((g) => g.req), prefix: match };
  }

  /** The most positions a request's row can come to hold. */
  private finalLength(r: Request): number {
    return Math.min(r.promptTokenIds.length + r.sampling.maxNewTokens, this.config.maxContext);
  }

  private dequeue(at: number): void {
    this.queue[at] = undefined;
    this.numQueued--;
    while (this.head < this.queue.length && this.queue[this.head] === undefined) this.head++;
    // Compact now and then, so the array does not grow without bound over a long run.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * The longest prefix of `head` that another waiting request shares, when it is worth
   * computing once: at least minSharedPrefix tokens longer than what the cache holds.
   */
  private sharedPrefix(head: Request, waiting: ReadonlyArray<{ req: Request }>, cached: number): number {
    let best = 0;
    for (let i = 1; i < waiting.length; i++) {
      const other = waiting[i].req.promptTokenIds;
      const n = Math.min(commonPrefix(head.promptTokenIds, other), head.promptTokenIds.length - 1, other.length - 1);
      if (n > best) best = n;
    }
    return best - cached >= this.config.minSharedPrefix ? best : 0;
  }
}
