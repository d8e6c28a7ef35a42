// Paired comparison of two runs' records on one pathway each, for `compare`: per task and metric
// the difference B - A with a 95% bootstrap interval (./bootstrap.ts), marked where the interval
// excludes zero. Browser-safe and pure.
//
// Paired when the runs share items (by item id): only the shared items count, each item's
// difference is resampled (within its task; overall stratified by task), so item difficulty
// cancels out. Runs over different items are compared unpaired: each run's items are resampled
// on their own and the interval is that of the difference of the two means.
import { isJudgeFailure } from '../../scorers';
import { bootstrapIntervals, bootstrapReplicates, percentileInterval, type BootstrapGroup, type Interval } from './bootstrap';
import { itemId } from './item-id';
import { latestPerItem, type ReducibleJudgeRecord, type ReducibleRecord } from './reduce';
import { METRIC_NAMES, type MetricName } from './schema';

/** The four metrics and the judge's Total (items judged with a usable total in both runs). */
export const COMPARED_METRICS = [...METRIC_NAMES, 'judge_total'] as const;
export type ComparedMetric = MetricName | 'judge_total';

/** One pathway of one run. */
export interface ComparedRecords {
  predictions: readonly ReducibleRecord[];
  judge?: readonly ReducibleJudgeRecord[];
}

export interface Difference {
  /** B - A: the mean per-item difference (paired) or the difference of the means (unpaired). */
  diff: number;
  /** The means the difference is between (paired: over the same items). */
  meanA: number;
  meanB: number;
  ci95: Interval;
  /** The interval excludes zero. */
  significant: boolean;
  /** Items behind each mean (paired: the pairs, equal). */
  nA: number;
  nB: number;
  /** Shared items left out: a value was the official NaN, or (judge) a run has no usable total for it. */
  leftOut: number;
}

export interface RunComparison {
  mode: 'paired' | 'unpaired';
  /** Items in both runs, and in one only. */
  shared: number;
  onlyA: number;
  onlyB: number;
  /** Per task (in A's order), the metrics both runs have values for. */
  tasks: Record<string, Partial<Record<ComparedMetric, Difference>>>;
  overall: Partial<Record<ComparedMetric, Difference>>;
}

interface Values {
  task: string;
  id: string;
  value: number;
}

export function compareRecords(a: ComparedRecords, b: ComparedRecords, opts: { seedKey: string }): RunComparison {
  const predsA = latestPerItem(a.predictions).records;
  const predsB = latestPerItem(b.predictions).records;
  const idsB = new Set(predsB.map((p) => itemId(p)));
  const shared = predsA.filter((p) => idsB.has(itemId(p))).length;
  const mode = shared > 0 ? 'paired' : 'unpaired';
  const tasks: RunComparison['tasks'] = {};
  const overall: RunComparison['overall'] = {};
  for (const metric of COMPARED_METRICS) {
    const va = values(predsA, a.judge, metric);
    const vb = values(predsB, b.judge, metric);
    const result = mode === 'paired' ? paired(va, vb, `${opts.seedKey}/${metric}`) : unpaired(va, vb, `${opts.seedKey}/${metric}`);
    if (!result) continue;
    for (const [task, d] of result.tasks) (tasks[task] ??= {})[metric] = d;
    overall[metric] = result.overall;
  }
  return { mode, shared, onlyA: predsA.length - shared, onlyB: predsB.length - shared, tasks, overall };
}

/** Per item the metric's value; the judge's Total only where the reply was usable. NaN stays NaN. */
function values(preds: readonly ReducibleRecord[], judge: readonly ReducibleJudgeRecord[] | undefined, metric: ComparedMetric): Values[] {
  if (metric !== 'judge_total') return preds.map((p) => ({ task: p.task, id: itemId(p), value: p.metrics[metric] }));
  const judged = latestPerItem(judge ?? []).records;
  return judged.map((j) => ({ task: j.task, id: itemId(j), value: !isJudgeFailure(j.status) && j.scores.Total !== undefined ? j.scores.Total : NaN }));
}

interface Result {
  tasks: Array<[string, Difference]>;
  overall: Difference;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const excludesZero = (ci: Interval) => ci !== null && (ci[0] > 0 || ci[1] < 0);

function byTask<T extends { task: string }>(list: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of list) (out.get(x.task) ?? out.set(x.task, []).get(x.task)!).push(x);
  return out;
}

function paired(va: readonly Values[], vb: readonly Values[], seedKey: string): Result | undefined {
  const inB = new Map(vb.map((v) => [v.id, v.value]));
  const pairs = va.filter((v) => inB.has(v.id)).map((v) => ({ task: v.task, a: v.value, b: inB.get(v.id)! }));
  const usable = pairs.filter((p) => Number.isFinite(p.a) && Number.isFinite(p.b));
  if (usable.length === 0) return undefined;
  const groups = [...byTask(usable)];
  const ci = bootstrapIntervals(
    groups.map(([task, list]) => ({ name: task, columns: [list.map((p) => p.b - p.a)] })),
    { seedKey },
  );
  const leftOutByTask = byTask(pairs.filter((p) => !(Number.isFinite(p.a) && Number.isFinite(p.b))));
  const diffOf = (list: readonly { a: number; b: number }[], interval: Interval, leftOut: number): Difference => ({
    diff: mean(list.map((p) => p.b - p.a)),
    meanA: mean(list.map((p) => p.a)),
    meanB: mean(list.map((p) => p.b)),
    ci95: interval,
    significant: excludesZero(interval),
    nA: list.length,
    nB: list.length,
    leftOut,
  });
  return {
    tasks: groups.map(([task, list], i) => [task, diffOf(list, ci.groups[i][0], leftOutByTask.get(task)?.length ?? 0)]),
    overall: diffOf(usable, ci.pooled[0], pairs.length - usable.length),
  };
}

function unpaired(va: readonly Values[], vb: readonly Values[], seedKey: string): Result | undefined {
  const ta = byTask(va.filter((v) => Number.isFinite(v.value)));
  const tb = byTask(vb.filter((v) => Number.isFinite(v.value)));
  const common = [...ta.keys()].filter((t) => tb.has(t));
  if (common.length === 0) return undefined;
  const groupsOf = (m: Map<string, Values[]>): BootstrapGroup[] => common.map((t) => ({ name: t, columns: [m.get(t)!.map((v) => v.value)] }));
  const ra = bootstrapReplicates(groupsOf(ta), { seedKey: `${seedKey}/a` });
  const rb = bootstrapReplicates(groupsOf(tb), { seedKey: `${seedKey}/b` });
  const diffInterval = (x: Float64Array, y: Float64Array, n: number) => percentileInterval(y.map((v, i) => v - x[i]), n);
  const diffOf = (xa: readonly number[], xb: readonly number[], interval: Interval): Difference => {
    const meanA = mean(xa);
    const meanB = mean(xb);
    return { diff: meanB - meanA, meanA, meanB, ci95: interval, significant: excludesZero(interval), nA: xa.length, nB: xb.length, leftOut: 0 };
  };
  const all = (m: Map<string, Values[]>) => common.flatMap((t) => m.get(t)!.map((v) => v.value));
  // A one-item task in either run adds no spread: no overall interval then (as bootstrapIntervals).
  const minSize = Math.min(...ra.sizes, ...rb.sizes);
  return {
    tasks: common.map((t, i) => [
      t,
      diffOf(
        ta.get(t)!.map((v) => v.value),
        tb.get(t)!.map((v) => v.value),
        diffInterval(ra.groups[i][0], rb.groups[i][0], Math.min(ra.sizes[i], rb.sizes[i])),
      ),
    ]),
    overall: diffOf(all(ta), all(tb), diffInterval(ra.pooled[0], rb.pooled[0], minSize)),
  };
}
