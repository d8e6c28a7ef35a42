/**
 * Aggregation. The official table is, per task, the SUM of each metric over the task's
 * items (float addition in file order) rounded to 2 decimals with Python's round(), so a
 * task of 100 items reads as a percentage. Means are reported beside the sums.
 */
import type { Task } from '../pathways';
import type { ItemMetrics, ItemScore } from './item';
import { pyRound } from './python-compat';

export const METRIC_KEYS = ['answer_acc', 'attribute_f1', 'value_f1', 'relative_value_acc'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];
export type MetricValues = Record<MetricKey, number>;

const FIELD: Record<MetricKey, keyof ItemMetrics> = {
  answer_acc: 'answerAcc',
  attribute_f1: 'attributeF1',
  value_f1: 'valueF1',
  relative_value_acc: 'relativeValueAcc',
};

export interface TaskAggregate {
  task: Task;
  numItems: number;
  /** The official value: round(sum, 2). NaN if any item's value is NaN, as in Python. */
  sums: MetricValues;
  means: MetricValues;
  /** Items whose answer accuracy is NaN (rank with a constant answer list). */
  numNaN: number;
  numParseFailed: number;
  numParsePartial: number;
}

export interface RunAggregate {
  tasks: TaskAggregate[];
  /** Means over all items (micro) and over the task means (macro). */
  overall: { numItems: number; itemMeans: MetricValues; taskMeans: MetricValues };
  /** Pearson r between attribute F1 and RVA; null when undefined (fewer than 2 points or no variance). */
  pearsonAtfRva: { acrossItems: number | null; acrossTasks: number | null };
}

const zero = (): MetricValues => ({ answer_acc: 0, attribute_f1: 0, value_f1: 0, relative_value_acc: 0 });

export function aggregateScores(scores: readonly ItemScore[]): RunAggregate {
  const byTask = new Map<Task, ItemScore[]>();
  for (const s of scores) {
    const list = byTask.get(s.task);
    if (list) list.push(s);
    else byTask.set(s.task, [s]); // first-seen order, like the official dict
  }
  const tasks: TaskAggregate[] = [...byTask].map(([task, items]) => {
    const raw = zero();
    for (const s of items) for (const k of METRIC_KEYS) raw[k] += s[FIELD[k]];
    const sums = zero();
    const means = zero();
    for (const k of METRIC_KEYS) {
      sums[k] = pyRound(raw[k], 2);
      means[k] = raw[k] / items.length;
    }
    return {
      task,
      numItems: items.length,
      sums,
      means,
      numNaN: items.filter((s) => Number.isNaN(s.answerAcc)).length,
      numParseFailed: items.filter((s) => s.parseStatus === 'failed').length,
      numParsePartial: items.filter((s) => s.parseStatus === 'partial').length,
    };
  });
  const itemMeans = zero();
  const taskMeans = zero();
  for (const k of METRIC_KEYS) {
    itemMeans[k] = scores.length ? scores.reduce((a, s) => a + s[FIELD[k]], 0) / scores.length : NaN;
    taskMeans[k] = tasks.length ? tasks.reduce((a, t) => a + t.means[k], 0) / tasks.length : NaN;
  }
  return {
    tasks,
    overall: { numItems: scores.length, itemMeans, taskMeans },
    pearsonAtfRva: {
      acrossItems: pearson(
        scores.map((s) => s.attributeF1),
        scores.map((s) => s.relativeValueAcc),
      ),
      acrossTasks: pearson(
        tasks.map((t) => t.means.attribute_f1),
        tasks.map((t) => t.means.relative_value_acc),
      ),
    },
  };
}

/** `{"<task>": {"answer_acc", "attribute_f1", "value_f1", "relative_value_acc"}}`, the official layout. */
export function officialMetrics(agg: RunAggregate): Record<string, MetricValues> {
  return Object.fromEntries(agg.tasks.map((t) => [t.task, { ...t.sums }]));
}

export function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 2 || y.length !== n) return null;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0 || !Number.isFinite(sxy)) return null;
  return sxy / Math.sqrt(sxx * syy);
}
