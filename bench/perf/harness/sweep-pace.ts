import type { Measured, MeasureOptions, Progress } from './spawn-measured';

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

/** One batch size of a sweep: its complete run's times, or when and why it stopped. */
export interface SweepRow {
  batchSize: number;
  wallS: number | null;
  generateS: number | null;
  stoppedAfterS?: number;
  stopReason?: string;
}

/**
 * The reference at each batch size in the order given (the likely best first), under the
 * SweepPace rule; `run` spawns one measured process with that stop rule. Returns the fastest
 * complete run and a row per size.
 */
export async function sweepBatchSizes<T extends { generateMs: number }>(
  sizes: readonly number[],
  numRequests: number,
  run: (batchSize: number, stopIf: MeasureOptions['stopIf']) => Promise<Measured<T>>,
): Promise<{ best: { batchSize: number; run: { wallMs: number; result: T } }; rows: SweepRow[] }> {
  const pace = new SweepPace(numRequests);
  const rows: SweepRow[] = [];
  let best: { batchSize: number; run: { wallMs: number; result: T } } | undefined;
  for (const batchSize of sizes) {
    const r = await run(batchSize, (ms, numDone) => pace.stopReason(batchSize, ms, numDone));
    if (r.stopped) {
      rows.push({ batchSize, wallS: null, generateS: null, stoppedAfterS: r.wallMs / 1000, stopReason: r.stopReason });
      continue;
    }
    rows.push({ batchSize, wallS: r.wallMs / 1000, generateS: r.result.generateMs / 1000 });
    pace.record(r.wallMs, r.progress);
    if (!best || r.wallMs < best.run.wallMs) best = { batchSize, run: r };
  }
  // The first size always completes: nothing is there to stop it.
  return { best: best!, rows };
}
