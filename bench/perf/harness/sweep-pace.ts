import type { Progress } from './spawn-measured';

/**
 * When the reference's batch-size sweep may stop a batch size before it finishes. Every size
 * runs the same length-sorted requests, so after its batches have covered the first n of
 * them, a size has done exactly the work any other size had done at n. A run stops once it is
 * slower than the fastest complete run, or once it has not reached such a shared point
 * `margin` times later than the fastest complete run reached it: a size that far behind on
 * the same requests is not the best, and the sweep spends its time on the close contenders.
 */
export class SweepPace {
  private bestMs?: number;
  /** Requests done -> the fastest complete run's milliseconds since spawn to get there. */
  private readonly paceMs = new Map<number, number>();

  constructor(
    /** The workload's request count: every size's last report. */
    private readonly numRequests: number,
    private readonly margin = 1.1,
  ) {}

  /** A complete run: its wall time and its progress reports. */
  record(wallMs: number, progress: Progress): void {
    this.bestMs = Math.min(this.bestMs ?? Infinity, wallMs);
    for (const { numDone, ms } of progress) this.paceMs.set(numDone, Math.min(this.paceMs.get(numDone) ?? Infinity, ms));
  }

  /** Why a run at `batchSize`, `elapsedMs` after its spawn with `numDone` requests done, should stop now; undefined to go on. */
  stopReason(batchSize: number, elapsedMs: number, numDone: number): string | undefined {
    if (this.bestMs !== undefined && elapsedMs > this.bestMs) return `slower than the best so far (${s(this.bestMs)} s)`;
    for (const [n, ms] of this.paceMs) {
      const shared = n % batchSize === 0 || n === this.numRequests;
      if (shared && n > numDone && elapsedMs > this.margin * ms) {
        return `the first ${n} requests not done after ${s(elapsedMs)} s, ${Math.round((this.margin - 1) * 100)}% past the best pace (${s(ms)} s)`;
      }
    }
    return undefined;
  }
}

const s = (ms: number) => (ms / 1000).toFixed(0);
