// Percentile-bootstrap confidence intervals of means, for reduce() (every per-task and overall
// mean in metrics.json) and for the paired comparisons of `compare` (./paired.ts). Browser-safe.
//
// Method: items are resampled with replacement within their group (a task), BOOTSTRAP.resamples
// times; the interval is the 2.5th and 97.5th percentile of the resampled means (linear
// interpolation between order statistics, numpy's default). Overall means resample within every
// task at once (a stratified bootstrap: the benchmark fixes how many items each task has), so
// the pooled mean over items and the mean of task means come from the same replicates.
// Seeded per group name: a task's interval does not change when other tasks are added to a run,
// and the same records always give the same intervals.
import { createRng, hashSeed } from '../../pathways';

export const BOOTSTRAP = {
  /** Resamples per interval: the Monte-Carlo error of a 2.5% quantile is then about 0.35 points of coverage. */
  resamples: 2000,
  /** Base seed; each group mixes in its own name. */
  seed: 20250602,
  level: 0.95,
  /** The percentiles that bound it (written out: 1 - 0.95 is not 0.05 in floating point). */
  quantiles: [0.025, 0.975],
} as const;

/** [low, high]; null when there is no interval: fewer than 2 values, or a NaN among them (the official NaN). */
export type Interval = [number, number] | null;

export interface BootstrapGroup {
  /** Seeds this group's draws (with the caller's seed key). */
  name: string;
  /** One column per statistic, all of the group's length; every column is resampled with the same draws. */
  columns: ReadonlyArray<ArrayLike<number>>;
}

/** Resampled means: per group and column, and for the groups together. */
export interface BootstrapReplicates {
  /** [group][column] -> one mean per resample. */
  groups: Float64Array[][];
  /** [column]: mean over all items of all groups (items weigh the same). */
  pooled: Float64Array[];
  /** [column]: mean of the group means (groups weigh the same). */
  meanOfMeans: Float64Array[];
  /** Item count per group, and in all. */
  sizes: number[];
  total: number;
}

export interface BootstrapOptions {
  /** Names what is resampled (a pathway, a comparison), so unrelated intervals use unrelated draws. */
  seedKey: string;
  resamples?: number;
}

export function bootstrapReplicates(groups: readonly BootstrapGroup[], opts: BootstrapOptions): BootstrapReplicates {
  const resamples = opts.resamples ?? BOOTSTRAP.resamples;
  const numColumns = groups[0]?.columns.length ?? 0;
  const sizes = groups.map((g) => (g.columns.length > 0 ? g.columns[0].length : 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  const filled = () => Array.from({ length: numColumns }, () => new Float64Array(resamples));
  const pooledSums = filled();
  const meanSums = filled();
  const perGroup = groups.map((g, gi) => {
    const n = sizes[gi];
    const out = filled();
    const rng = createRng(hashSeed(BOOTSTRAP.seed, opts.seedKey, g.name));
    const sums = new Float64Array(numColumns);
    for (let b = 0; b < resamples; b++) {
      sums.fill(0);
      for (let i = 0; i < n; i++) {
        const pick = rng.int(n);
        for (let c = 0; c < numColumns; c++) sums[c] += g.columns[c][pick];
      }
      for (let c = 0; c < numColumns; c++) {
        out[c][b] = sums[c] / n;
        pooledSums[c][b] += sums[c];
        meanSums[c][b] += sums[c] / n;
      }
    }
    return out;
  });
  for (let c = 0; c < numColumns; c++) {
    for (let b = 0; b < resamples; b++) {
      pooledSums[c][b] /= total;
      meanSums[c][b] /= groups.length;
    }
  }
  return { groups: perGroup, pooled: pooledSums, meanOfMeans: meanSums, sizes, total };
}

/**
 * The central BOOTSTRAP.level interval of the replicates. null when `n` (the items behind them)
 * is below 2, where resampling one value says nothing, or when a replicate is not finite.
 */
export function percentileInterval(replicates: Float64Array, n: number): Interval {
  if (n < 2 || replicates.length === 0) return null;
  const sorted = Float64Array.from(replicates).sort();
  if (!Number.isFinite(sorted[0]) || !Number.isFinite(sorted[sorted.length - 1])) return null;
  return [quantile(sorted, BOOTSTRAP.quantiles[0]), quantile(sorted, BOOTSTRAP.quantiles[1])];
}

/** numpy.quantile's default ("linear", type 7) on sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Intervals of every group mean and of the two overall means, one per column. The overall
 * intervals need at least 2 items in every group (see percentileInterval).
 */
export function bootstrapIntervals(groups: readonly BootstrapGroup[], opts: BootstrapOptions): { groups: Interval[][]; pooled: Interval[]; meanOfMeans: Interval[] } {
  const r = bootstrapReplicates(groups, opts);
  // A one-item group adds no spread to a stratified resample: the overall interval would be too narrow.
  const overallN = Math.min(...r.sizes);
  return {
    groups: r.groups.map((cols, gi) => cols.map((rep) => percentileInterval(rep, r.sizes[gi]))),
    pooled: r.pooled.map((rep) => percentileInterval(rep, overallN)),
    meanOfMeans: r.meanOfMeans.map((rep) => percentileInterval(rep, overallN)),
  };
}
