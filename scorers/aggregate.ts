/**
 * Aggregation, the one implementation (bench/runlog's reduce() builds every metrics.json,
 * report and `ipdialog score` table on it). The official table is, per task, the SUM of each
 * metric over the task's items (float addition in the order given) rounded to 2 decimals
 * with Python's round(), so a task of 100 items reads as a percentage. Means are reported
 * beside the sums.
 *
 * NaN, as officially: a rank answer listing one option over and over has no Kendall tau, so
 * its answer accuracy is NaN and NaN propagates, as it does through the official script's
 * sum: that task's sum and mean, and the overall means over items and over tasks, are NaN.
 * numNaN says how many items caused it.
 */
import { PARSE_STATUSES, RESPONSE_PARTS, type ItemScore, type ParseStatus, type ResponsePart } from './item';
import { pyRound } from './python-compat';

export const METRIC_KEYS = ['answer_acc', 'attribute_f1', 'value_f1', 'relative_value_acc'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];
export type MetricValues = Record<MetricKey, number>;

/** What aggregation reads of a scored item: its task, its four metrics and how well its response parsed. */
export type AggregateItem = { task: string; metrics: MetricValues } & Pick<ItemScore, 'parseStatus' | 'missing'>;

/** An ItemScore in the shape aggregation reads. */
export function aggregateItem(s: ItemScore): AggregateItem {
  return {
    task: s.task,
    metrics: { answer_acc: s.answerAcc, attribute_f1: s.attributeF1, value_f1: s.valueF1, relative_value_acc: s.relativeValueAcc },
    parseStatus: s.parseStatus,
    missing: s.missing,
  };
}

/** How many responses parsed fully, partly or not at all, and how many lacked each part. */
export interface ParseCounts {
  status: Record<ParseStatus, number>;
  missing: Record<ResponsePart, number>;
}

export interface TaskAggregate {
  task: string;
  numItems: number;
  /** The official value: round(sum, 2). NaN if any item's value is NaN, as in Python. */
  sums: MetricValues;
  means: MetricValues;
  /** Items whose answer accuracy is NaN (rank with a constant answer list). */
  numNaN: number;
  parse: ParseCounts;
}

export interface RunAggregate {
  tasks: TaskAggregate[];
  /** Means over all items (micro) and over the task means (macro). */
  overall: { numItems: number; numNaN: number; itemMeans: MetricValues; taskMeans: MetricValues; parse: ParseCounts };
  /** Pearson r between attribute F1 and RVA; null when undefined (fewer than 2 points or no variance). */
  pearsonAtfRva: { acrossItems: number | null; acrossTasks: number | null };
}

const zero = (): MetricValues => ({ answer_acc: 0, attribute_f1: 0, value_f1: 0, relative_value_acc: 0 });

function countParse(items: readonly AggregateItem[]): ParseCounts {
  const status = Object.fromEntries(PARSE_STATUSES.map((s) => [s, 0])) as Record<ParseStatus, number>;
  const missing = Object.fromEntries(RESPONSE_PARTS.map((p) => [p, 0])) as Record<ResponsePart, number>;
  for (const it of items) {
    status[it.parseStatus]++;
    for (const part of it.missing) missing[part]++;
  }
  return { status, missing };
}

const countNaN = (items: readonly AggregateItem[]) => items.filter((s) => Number.isNaN(s.metrics.answer_acc)).length;

export function aggregateScores(items: readonly AggregateItem[]): RunAggregate {
  const byTask = new Map<string, AggregateItem[]>();
  for (const s of items) {
    const list = byTask.get(s.task);
    if (list) list.push(s);
    else byTask.set(s.task, [s]); // first-seen order, like the official dict
  }
  const tasks: TaskAggregate[] = [...byTask].map(([task, list]) => {
    const raw = zero();
    for (const s of list) for (const k of METRIC_KEYS) raw[k] += s.metrics[k];
    const sums = zero();
    const means = zero();
    for (const k of METRIC_KEYS) {
      sums[k] = pyRound(raw[k], 2);
      means[k] = raw[k] / list.length;
    }
    return { task, numItems: list.length, sums, means, numNaN: countNaN(list), parse: countParse(list) };
  });
  const itemMeans = zero();
  const taskMeans = zero();
  for (const k of METRIC_KEYS) {
    itemMeans[k] = items.length ? items.reduce((a, s) => a + s.metrics[k], 0) / items.length : NaN;
    taskMeans[k] = tasks.length ? tasks.reduce((a, t) => a + t.means[k], 0) / tasks.length : NaN;
  }
  return {
    tasks,
    overall: { numItems: items.length, numNaN: countNaN(items), itemMeans, taskMeans, parse: countParse(items) },
    pearsonAtfRva: {
      acrossItems: pearson(
        items.map((s) => s.metrics.attribute_f1),
        items.map((s) => s.metrics.relative_value_acc),
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
