// reduce(): the one reduction of run records to metrics. metrics.json (CLI and browser), the
// report, `compare` and `ipdialog score` all come from here, built on scorers/aggregate.ts
// (sums, means, NaN, parse counts, Pearson) and scorers/judge.ts (the judge-failure rule);
// beside each mean its 95% bootstrap interval (./bootstrap.ts) and n.
import { aggregateScores, isJudgeFailure, JUDGE_SCORE_NAMES, summarizeJudge, type JudgeGroupSummary, type JudgeScoreName, type MetricValues, type TaskAggregate } from '../../scorers';
import { bootstrapIntervals, type Interval } from './bootstrap';
import { itemId, recordKey } from './item-id';
import {
  METRIC_NAMES,
  RUN_FORMAT_VERSION,
  type JudgeGroupMetrics,
  type JudgeRecord,
  type MetricIntervals,
  type MetricsRecord,
  type PathwayMetrics,
  type PredictionRecord,
  type TaskMetrics,
} from './schema';

/** What reduce() reads of a prediction. */
export type ReducibleRecord = Pick<PredictionRecord, 'pathway' | 'task' | 'index' | 'line' | 'metrics' | 'parse_status' | 'missing'>;
/** What reduce() reads of a judge record. */
export type ReducibleJudgeRecord = Pick<JudgeRecord, 'pathway' | 'task' | 'index' | 'line' | 'status' | 'scores'>;

export interface ReduceInput {
  predictions: readonly ReducibleRecord[];
  judge?: readonly ReducibleJudgeRecord[];
  /** Pathway order of the output (the run's spec); pathways not listed follow in first-seen order. */
  pathways?: readonly string[];
}

type Keyed = { pathway: string; task: string; index: number };

/** The last record of each (pathway, item), in the order of the input; `replaced` counts the earlier ones dropped. */
export function latestPerItem<T extends Keyed>(records: readonly T[]): { records: T[]; replaced: number } {
  const last = new Map<string, number>();
  records.forEach((r, i) => last.set(recordKey(r), i));
  const kept = records.filter((r, i) => last.get(recordKey(r)) === i);
  return { records: kept, replaced: records.length - kept.length };
}

/**
 * Data-file order, as the official script sums (float addition is not associative): by line
 * when every record has one, else as given.
 */
function fileOrder<T extends { line?: number }>(records: readonly T[]): T[] {
  return records.every((r) => r.line !== undefined) ? [...records].sort((a, b) => a.line! - b.line!) : [...records];
}

function pathwayOrder(records: ReducibleRecord[], first: readonly string[]): string[] {
  const seen = new Set<string>(records.map((r) => r.pathway));
  return [...new Set([...first.filter((p) => seen.has(p)), ...seen])];
}

export function reduce(input: ReduceInput): MetricsRecord {
  const predictions = latestPerItem(input.predictions).records;
  const judge = latestPerItem(input.judge ?? []).records;
  const pathways: MetricsRecord['pathways'] = {};
  for (const pathway of pathwayOrder(predictions, input.pathways ?? [])) {
    const entry = pathwayMetrics(pathway, fileOrder(predictions.filter((p) => p.pathway === pathway)));
    const judged = fileOrder(judge.filter((j) => j.pathway === pathway));
    if (judged.length > 0) entry.judge = judgeMetrics(pathway, judged);
    pathways[pathway] = entry;
  }
  return { version: RUN_FORMAT_VERSION, pathways };
}

function pathwayMetrics(pathway: string, records: readonly ReducibleRecord[]): PathwayMetrics {
  const agg = aggregateScores(records.map((p) => ({ task: p.task, metrics: p.metrics, parseStatus: p.parse_status, missing: p.missing })));
  // The same task order as the aggregate (first seen), each task's records in file order.
  const ci = bootstrapIntervals(
    agg.tasks.map((t) => {
      const list = records.filter((r) => r.task === t.task);
      return { name: t.task, columns: METRIC_NAMES.map((m) => list.map((r) => r.metrics[m])) };
    }),
    { seedKey: pathway },
  );
  const tasks: Record<string, TaskMetrics> = {};
  agg.tasks.forEach((t, i) => (tasks[t.task] = taskMetrics(t, intervals(ci.groups[i]))));
  return {
    tasks,
    overall: {
      count: agg.overall.numItems,
      nan: agg.overall.numNaN,
      mean: metrics(agg.overall.itemMeans),
      task_mean: metrics(agg.overall.taskMeans),
      ci95: intervals(ci.pooled),
      task_mean_ci95: intervals(ci.meanOfMeans),
      n: agg.overall.numItems,
      parse: agg.overall.parse,
    },
    atf_rva_pearson: { across_items: agg.pearsonAtfRva.acrossItems, across_tasks: agg.pearsonAtfRva.acrossTasks },
  };
}

function taskMetrics(t: TaskAggregate, ci95: MetricIntervals): TaskMetrics {
  return { count: t.numItems, sum: metrics(t.sums), mean: metrics(t.means), ci95, n: t.numItems, nan: t.numNaN, parse: t.parse };
}

/** Intervals in METRIC_NAMES order -> the record's keys. */
function intervals(list: readonly Interval[]): MetricIntervals {
  return { answer_acc: list[0], attribute_f1: list[1], value_f1: list[2], relative_value_acc: list[3] };
}

/** A fresh object in the record's key order. */
function metrics(v: MetricValues): TaskMetrics['sum'] {
  return { answer_acc: v.answer_acc, attribute_f1: v.attribute_f1, value_f1: v.value_f1, relative_value_acc: v.relative_value_acc };
}

function judgeMetrics(pathway: string, records: readonly ReducibleJudgeRecord[]): NonNullable<PathwayMetrics['judge']> {
  const summary = summarizeJudge(records);
  const tasks: Record<string, JudgeGroupMetrics> = {};
  const ci = judgeIntervals(pathway, records);
  for (const t of summary.tasks) tasks[t.task] = judgeGroup(t, ci.tasks.get(t.task));
  const failed = records.filter((r) => isJudgeFailure(r.status));
  return { tasks, overall: judgeGroup(summary.overall, ci.overall), failed_items: failed.map((r) => itemId(r)) };
}

type JudgeIntervals = Pick<JudgeGroupMetrics, 'ci95' | 'n'>;

/**
 * Per score, over the usable replies that have it (as summarizeJudge's means): intervals per
 * task, and overall resampled within each task that has such replies.
 */
function judgeIntervals(pathway: string, records: readonly ReducibleJudgeRecord[]): { tasks: Map<string, Required<JudgeIntervals>>; overall: Required<JudgeIntervals> } {
  const usable = records.filter((r) => !isJudgeFailure(r.status));
  const taskNames = [...new Set(records.map((r) => r.task))];
  const tasks = new Map(taskNames.map((t) => [t, { ci95: {}, n: {} } as Required<JudgeIntervals>]));
  const overall: Required<JudgeIntervals> = { ci95: {}, n: {} };
  // Usually every usable reply has all five scores: one resampling serves them all. Otherwise
  // (partial replies) each score is resampled over the replies that have it.
  const complete = usable.every((r) => JUDGE_SCORE_NAMES.every((k) => r.scores[k] !== undefined));
  const batches: JudgeScoreName[][] = complete ? [[...JUDGE_SCORE_NAMES]] : JUDGE_SCORE_NAMES.map((k) => [k]);
  for (const scores of batches) {
    const groups = taskNames
      .map((task) => {
        const list = usable.filter((r) => r.task === task && scores.every((k) => r.scores[k] !== undefined));
        return { name: task, columns: scores.map((k) => list.map((r) => r.scores[k]!)) };
      })
      .filter((g) => g.columns[0].length > 0);
    if (groups.length === 0) continue;
    const ci = bootstrapIntervals(groups, { seedKey: `${pathway}/judge/${scores.join('+')}` });
    scores.forEach((score, c) => {
      groups.forEach((g, i) => {
        const entry = tasks.get(g.name)!;
        entry.ci95[score] = ci.groups[i][c];
        entry.n[score] = g.columns[c].length;
      });
      overall.ci95[score] = ci.pooled[c];
      overall.n[score] = groups.reduce((a, g) => a + g.columns[c].length, 0);
    });
  }
  return { tasks, overall };
}

function judgeGroup(g: JudgeGroupSummary, ci: JudgeIntervals | undefined): JudgeGroupMetrics {
  return { judged: g.numJudged, count: g.numJudged - g.numFailed, failures: g.numFailed, mean: g.means, ...(ci && { ci95: ci.ci95, n: ci.n }) };
}
