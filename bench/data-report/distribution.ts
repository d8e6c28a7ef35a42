// Summaries of integer-valued distributions (lengths, set sizes), exact enough to redraw.
import { quantile } from '../../common';

export interface Distribution {
  count: number;
  /** null when count is 0, as every figure below */
  mean: number | null;
  /** population standard deviation */
  std: number | null;
  min: number | null;
  /** quantiles by linear interpolation between order statistics (numpy's default) */
  p10: number | null;
  p25: number | null;
  median: number | null;
  p75: number | null;
  p90: number | null;
  max: number | null;
  /** how many times each value occurs: the whole distribution, for histograms */
  counts: Record<string, number>;
}

export { quantile };

export function describe(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n ? sorted.reduce((a, b) => a + b, 0) / n : null;
  const counts: Record<string, number> = {};
  for (const v of sorted) counts[v] = (counts[v] ?? 0) + 1;
  return {
    count: n,
    mean,
    std: mean === null ? null : Math.sqrt(sorted.reduce((a, v) => a + (v - mean) ** 2, 0) / n),
    min: n ? sorted[0] : null,
    p10: quantile(sorted, 0.1),
    p25: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
    p90: quantile(sorted, 0.9),
    max: n ? sorted[n - 1] : null,
    counts,
  };
}

/** Share of each key in a count table (0 for keys listed in `keys` but never counted). */
export function shares(counts: Readonly<Record<string, number>>, keys: readonly string[] = Object.keys(counts)): Record<string, number> {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return Object.fromEntries(keys.map((k) => [k, total > 0 ? (counts[k] ?? 0) / total : 0]));
}

/** Total variation distance between two share tables: half the summed absolute differences. */
export function totalVariation(p: Readonly<Record<string, number>>, q: Readonly<Record<string, number>>): number {
  const keys = new Set([...Object.keys(p), ...Object.keys(q)]);
  let sum = 0;
  for (const k of keys) sum += Math.abs((p[k] ?? 0) - (q[k] ?? 0));
  return sum / 2;
}
