import type { Task } from '../../pathways';
import { aggregateScores, summarizeJudge, type ItemScore, type JudgeVerdict } from '../../scorers';
import { RUN_FORMAT_VERSION, type ItemMetrics, type JudgeRecord, type MetricsRecord, type PredictionRecord } from '../runlog/schema';

/** The scorer's aggregation only reads the task, the four metrics and the parse status. */
function asScore(p: PredictionRecord): ItemScore {
  return {
    task: p.task as Task,
    index: p.index,
    answerAcc: p.metrics.answer_acc,
    attributeF1: p.metrics.attribute_f1,
    valueF1: p.metrics.value_f1,
    relativeValueAcc: p.metrics.relative_value_acc,
    parseStatus: p.missing.includes('analysis') && p.missing.includes('answer') ? 'failed' : p.missing.some((m) => m !== 'attributes') ? 'partial' : 'ok',
  } as ItemScore;
}

const metrics = (v: Record<string, number>): ItemMetrics => ({
  answer_acc: v.answer_acc,
  attribute_f1: v.attribute_f1,
  value_f1: v.value_f1,
  relative_value_acc: v.relative_value_acc,
});

/**
 * metrics.json from the per-item records: per pathway and task the official sums (and the
 * means), overall means, ATF-RVA Pearson, and the judge's per-task means with its failures.
 * Items are aggregated in data-file order, as the official script sums them.
 */
export function computeMetrics(predictions: readonly PredictionRecord[], judge: readonly JudgeRecord[] = []): MetricsRecord {
  const pathways: MetricsRecord['pathways'] = {};
  const byPathway = new Map<string, PredictionRecord[]>();
  for (const p of predictions) byPathway.set(p.pathway, [...(byPathway.get(p.pathway) ?? []), p]);
  for (const [pathway, list] of byPathway) {
    const ordered = [...list].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const agg = aggregateScores(ordered.map(asScore));
    const tasks: MetricsRecord['pathways'][string]['tasks'] = {};
    for (const t of agg.tasks) tasks[t.task] = { sum: metrics(t.sums), mean: metrics(t.means), count: t.numItems };
    pathways[pathway] = {
      tasks,
      overall: { mean: metrics(agg.overall.itemMeans), count: agg.overall.numItems },
      atf_rva_pearson: agg.pearsonAtfRva.acrossItems,
    };
    const judged = judge.filter((j) => j.pathway === pathway);
    if (judged.length > 0) pathways[pathway].judge = judgeSummary(judged);
  }
  return { version: RUN_FORMAT_VERSION, pathways };
}

function judgeSummary(records: readonly JudgeRecord[]): NonNullable<MetricsRecord['pathways'][string]['judge']> {
  const verdicts = records.map((r) => ({
    task: r.task as Task,
    verdict: {
      status: r.status === 'error' ? 'unparseable' : r.status,
      total: r.status === 'ok' || r.status === 'partial' ? (r.scores.Total ?? null) : null,
      scores: r.scores as Record<string, number>,
      problems: r.problems,
    } as JudgeVerdict,
  }));
  const tasks: NonNullable<MetricsRecord['pathways'][string]['judge']>['tasks'] = {};
  for (const s of summarizeJudge(verdicts)) {
    const usable = s.numJudged - s.numFailed;
    if (usable === 0) continue;
    tasks[s.task] = {
      mean: {
        Conciseness: s.means.Conciseness ?? 0,
        Personalization: s.means.Personalization ?? 0,
        'Analysis Quality': s.means['Analysis Quality'] ?? 0,
        'Answer Accuracy': s.means['Answer Accuracy'] ?? 0,
        Total: s.means.Total ?? 0,
      },
      count: usable,
    };
  }
  const failed = records.filter((r) => !(r.status === 'ok' || r.status === 'partial') || r.scores.Total === undefined);
  return { tasks, failures: failed.length, failed_indexes: failed.map((r) => r.index).sort((a, b) => a - b) };
}
