// Aggregates recomputed from per-item records, for runs whose metrics.json is missing
// (a run still in progress, or killed before its first rewrite). Browser-safe.
import { JUDGE_NAMES } from './names';
import { METRIC_NAMES, type ItemMetrics, type JudgeRecord, type JudgeScores, type PredictionRecord } from '../runlog/schema';
import { pearson, pyRound } from '../../scorers';

export interface TaskSummary {
  /** The official aggregate: SUM over the task's items, rounded to 2 decimals. */
  sum: ItemMetrics;
  mean: ItemMetrics;
  count: number;
}

export interface PathwaySummary {
  tasks: Record<string, TaskSummary>;
  overall: { mean: ItemMetrics; count: number };
  atfRvaPearson: number | null;
}

export interface JudgeSummary {
  tasks: Record<string, { mean: JudgeScores; count: number }>;
  failures: number;
  failedIndexes: number[];
}

export function zeroMetrics(): ItemMetrics {
  return { answer_acc: 0, attribute_f1: 0, value_f1: 0, relative_value_acc: 0 };
}

/** Per-task sums and means, the overall mean and the ATF-RVA Pearson r of one pathway's items. */
export function summarizePredictions(preds: readonly PredictionRecord[]): PathwaySummary {
  const byTask = new Map<string, PredictionRecord[]>();
  for (const p of preds) {
    const list = byTask.get(p.task) ?? [];
    list.push(p);
    byTask.set(p.task, list);
  }
  const tasks: Record<string, TaskSummary> = {};
  for (const [task, list] of byTask) {
    const sum = zeroMetrics();
    const mean = zeroMetrics();
    for (const name of METRIC_NAMES) {
      const total = list.reduce((acc, p) => acc + p.metrics[name], 0);
      sum[name] = pyRound(total, 2);
      mean[name] = total / list.length;
    }
    tasks[task] = { sum, mean, count: list.length };
  }
  const mean = zeroMetrics();
  if (preds.length > 0) {
    for (const name of METRIC_NAMES) mean[name] = preds.reduce((acc, p) => acc + p.metrics[name], 0) / preds.length;
  }
  const atfRvaPearson = pearson(
    preds.map((p) => p.metrics.attribute_f1),
    preds.map((p) => p.metrics.relative_value_acc),
  );
  return { tasks, overall: { mean, count: preds.length }, atfRvaPearson };
}

/**
 * A judge reply counts when it has a usable Total (status ok or partial, as scorers/judge
 * decides); the rest are failures: counted and listed, not averaged (SPEC 3).
 */
export function isJudgeFailure(rec: JudgeRecord): boolean {
  return !(rec.status === 'ok' || rec.status === 'partial') || typeof rec.scores.Total !== 'number';
}

/** Per-task means of the five judge scores over the records that have a Total. */
export function summarizeJudge(records: readonly JudgeRecord[]): JudgeSummary {
  const failedIndexes: number[] = [];
  const byTask = new Map<string, JudgeRecord[]>();
  for (const rec of records) {
    if (isJudgeFailure(rec)) {
      failedIndexes.push(rec.index);
      continue;
    }
    const list = byTask.get(rec.task) ?? [];
    list.push(rec);
    byTask.set(rec.task, list);
  }
  const tasks: JudgeSummary['tasks'] = {};
  for (const [task, list] of byTask) {
    const mean = {} as JudgeScores;
    for (const name of JUDGE_NAMES) {
      // A partial record may lack a sub-score; average each score over those that have it.
      const values = list.map((r) => r.scores[name]).filter((v): v is number => typeof v === 'number');
      mean[name] = values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : 0;
    }
    tasks[task] = { mean, count: list.length };
  }
  failedIndexes.sort((a, b) => a - b);
  return { tasks, failures: failedIndexes.length, failedIndexes };
}
