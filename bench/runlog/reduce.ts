// reduce(): the one reduction of run records to metrics. metrics.json (CLI and browser), the
// report, `compare` and `ipdialog score` all come from here, built on scorers/aggregate.ts
// (sums, means, NaN, parse counts, Pearson) and scorers/judge.ts (the judge-failure rule).
import { aggregateScores, isJudgeFailure, summarizeJudge, type JudgeGroupSummary, type MetricValues, type TaskAggregate } from '../../scorers';
import { itemId, recordKey } from './item-id';
import { RUN_FORMAT_VERSION, type JudgeGroupMetrics, type JudgeRecord, type MetricsRecord, type PathwayMetrics, type PredictionRecord, type TaskMetrics } from './schema';

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
    const entry = pathwayMetrics(fileOrder(predictions.filter((p) => p.pathway === pathway)));
    const judged = fileOrder(judge.filter((j) => j.pathway === pathway));
    if (judged.length > 0) entry.judge = judgeMetrics(judged);
    pathways[pathway] = entry;
  }
  return { version: RUN_FORMAT_VERSION, pathways };
}

function pathwayMetrics(records: readonly ReducibleRecord[]): PathwayMetrics {
  const agg = aggregateScores(records.map((p) => ({ task: p.task, metrics: p.metrics, parseStatus: p.parse_status, missing: p.missing })));
  const tasks: Record<string, TaskMetrics> = {};
  for (const t of agg.tasks) tasks[t.task] = taskMetrics(t);
  return {
    tasks,
    overall: {
      count: agg.overall.numItems,
      nan: agg.overall.numNaN,
      mean: metrics(agg.overall.itemMeans),
      task_mean: metrics(agg.overall.taskMeans),
      parse: agg.overall.parse,
    },
    atf_rva_pearson: { across_items: agg.pearsonAtfRva.acrossItems, across_tasks: agg.pearsonAtfRva.acrossTasks },
  };
}

function taskMetrics(t: TaskAggregate): TaskMetrics {
  return { count: t.numItems, sum: metrics(t.sums), mean: metrics(t.means), nan: t.numNaN, parse: t.parse };
}

/** A fresh object in the record's key order. */
function metrics(v: MetricValues): TaskMetrics['sum'] {
  return { answer_acc: v.answer_acc, attribute_f1: v.attribute_f1, value_f1: v.value_f1, relative_value_acc: v.relative_value_acc };
}

function judgeMetrics(records: readonly ReducibleJudgeRecord[]): NonNullable<PathwayMetrics['judge']> {
  const summary = summarizeJudge(records);
  const tasks: Record<string, JudgeGroupMetrics> = {};
  for (const t of summary.tasks) tasks[t.task] = judgeGroup(t);
  const failed = records.filter((r) => isJudgeFailure(r.status));
  return { tasks, overall: judgeGroup(summary.overall), failed_items: failed.map((r) => itemId(r)) };
}

function judgeGroup(g: JudgeGroupSummary): JudgeGroupMetrics {
  return { judged: g.numJudged, count: g.numJudged - g.numFailed, failures: g.numFailed, mean: g.means };
}
