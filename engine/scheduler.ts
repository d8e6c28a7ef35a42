import { commonPrefix, type PrefixMatch } from './prefix-cache';
import type { Request } from './request';

export interface SchedulerConfig {
  /** Most rows decoding together. */
  maxBatch: number;
  /** Most (padded) prompt tokens one prefill step may compute. */
  maxPrefillTokens: number;
  /** Share a prefix among waiting requests when at least this many tokens are common. */
  minSharedPrefix: number;
  /** Suffix lengths in one prefill group stay within this ratio of the first one's. */
  lengthRatio: number;
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
 * Decides each step: new requests join the running batch as soon as rows are free
 * (continuous batching), prompts of similar length are prefilled together within a token
 * budget, and a prefix that several waiting prompts share is computed once and cached.
 */
export class Scheduler {
  private readonly waiting: Request[] = [];

  constructor(
    readonly config: SchedulerConfig,
    private readonly prefixCache?: PrefixLookup,
  ) {}

  add(req: Request): void {
    this.waiting.push(req);
  }

  get numWaiting(): number {
    return this.waiting.length;
  }

  /** Removes waiting requests by id; returns the ones removed. */
  abortWaiting(ids: ReadonlySet<string>): Request[] {
    const out: Request[] = [];
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (ids.has(this.waiting[i].requestId)) out.push(...this.waiting.splice(i, 1));
    }
    return out;
  }

  schedule(numRunning: number): StepPlan {
    const free = this.config.maxBatch - numRunning;
    if (free > 0 && this.waiting.length > 0) return this.planPrefill(free);
    return numRunning > 0 ? { kind: 'decode' } : { kind: 'idle' };
  }

  private planPrefill(free: number): StepPlan {
    const head = this.waiting[0];
    const match = this.prefixCache?.match(head.promptTokenIds);
    // Tried once per head request: if the cache cannot take the prefix, prefill as usual.
    const shared = this.prefixCache && !head.sharedPrefixTried ? this.sharedPrefix(head, match?.length ?? 0) : 0;
    if (shared > 0) {
      head.sharedPrefixTried = true;
      return { kind: 'prefix', tokens: head.promptTokenIds.slice(0, shared), base: match };
    }

    const suffixLen = (r: Request, m?: PrefixMatch<unknown>) => r.promptTokenIds.length - (m?.length ?? 0);
    const headLen = suffixLen(head, match);
    const group: Request[] = [head];
    let maxLen = headLen;
    for (let i = 1; i < this.waiting.length && group.length < free; i++) {
      const r = this.waiting[i];
      const m = this.prefixCache?.match(r.promptTokenIds);
      // One group shares one past: the same cached prefix (or none), at the same length.
      if ((m?.entry ?? undefined) !== (match?.entry ?? undefined) || (m?.length ?? 0) !== (match?.length ?? 0)) continue;
      const len = suffixLen(r, m);
      if (len > headLen * this.config.lengthRatio || len * this.config.lengthRatio < headLen) continue;
      const newMax = Math.max(maxLen, len);
      if (newMax * (group.length + 1) > this.config.maxPrefillTokens) continue;
      group.push(r);
      maxLen = newMax;
    }
    const picked = new Set(group);
    for (let i = this.waiting.length - 1; i >= 0; i--) if (picked.has(this.waiting[i])) this.waiting.splice(i, 1);
    return { kind: 'prefill', requests: group, prefix: match };
  }

  /**
   * The longest prefix of `head` that another waiting request shares, when it is worth
   * computing once: at least minSharedPrefix tokens longer than what the cache holds.
   */
  private sharedPrefix(head: Request, cached: number): number {
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++) {
      const other = this.waiting[i].promptTokenIds;
      const n = Math.min(commonPrefix(head.promptTokenIds, other), head.promptTokenIds.length - 1, other.length - 1);
      if (n > best) best = n;
    }
    return best - cached >= this.config.minSharedPrefix ? best : 0;
  }
}
