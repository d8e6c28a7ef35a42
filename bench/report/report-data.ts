// Turns loaded runs (and optionally the paper's tables) into the plain data the page
// embeds. Pure and browser-safe: everything here is testable without a DOM.
import { taskOrder } from '../../pathways';
import { METRIC_NAMES, type JudgeRecord, type JudgeScores, type MetricsRecord, type PredictionRecord } from '../runlog/schema';
import { itemKey, JUDGE_NAMES, PATHWAY_DATASET_IDS } from './names';
import { buildReferenceSeries, resolveReferenceModels } from './reference-series';
import { summarizeJudge, summarizePredictions, type JudgeSummary, type PathwaySummary } from './summarize';
import type { GtRecord, ItemRow, LoadedRun, ReportData, ReportOptions, RunSummary, SeriesData, SeriesJudge } from './types';

/** Colour-blind-friendly (Okabe-Ito first), distinct from the reference greys. */
export const SERIES_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#F0E442', '#000000', '#882255', '#44AA99'];

export function buildReportData(runs: readonly LoadedRun[], opts: ReportOptions = {}): ReportData {
  const labels = runLabels(runs);
  const notes: string[] = [];
  const series: SeriesData[] = [];
  const items: ItemRow[] = [];
  const gt: Record<string, GtRecord> = {};
  const runSummaries: RunSummary[] = runs.map((run, r) => summarizeRun(run, `run${r}`, labels[r]));

  runs.forEach((run, r) => {
    const prefix = runs.length > 1 ? `${labels[r]}: ` : '';
    notes.push(...run.notes.map((n) => `${prefix}${n}`));
    for (const [pathway, preds] of groupByPathway(run, (n) => notes.push(`${prefix}${n}`))) {
      const seriesIndex = series.length;
      const metricsEntry = run.metrics?.pathways[pathway];
      const summary = metricsEntry ? fromMetricsRecord(metricsEntry) : summarizePredictions(preds);
      if (metricsEntry && metricsEntry.overall.count !== preds.length) {
        notes.push(
          `${prefix}${pathway}: metrics.json counts ${metricsEntry.overall.count} item(s) but predictions.jsonl has ${preds.length}; the tables show metrics.json, the sample browser the predictions`,
        );
      }
      const judgeRecords = run.judge.filter((j) => j.pathway === pathway);
      const judgeSummary = metricsEntry?.judge ? fromMetricsJudge(metricsEntry.judge) : judgeRecords.length > 0 ? summarizeJudge(judgeRecords) : undefined;
      const label = runs.length > 1 ? `${labels[r]} · ${pathway}` : pathway;
      series.push({
        id: `${runSummaries[r].id}:${pathway}`,
        label,
        runId: runSummaries[r].id,
        pathway,
        ...(PATHWAY_DATASET_IDS[pathway] && { datasetId: PATHWAY_DATASET_IDS[pathway] }),
        color: SERIES_COLORS[seriesIndex % SERIES_COLORS.length],
        tasks: summary.tasks,
        overall: summary.overall,
        pearson: summary.atfRvaPearson,
        ...(judgeSummary && { judge: withOverall(judgeSummary) }),
        numItems: preds.length,
        numMissing: preds.filter((p) => p.missing.length > 0).length,
        numErrors: preds.filter((p) => p.error !== undefined).length,
        source: metricsEntry ? 'metrics.json' : 'predictions',
      });
      const judgeByItem = new Map(judgeRecords.map((j) => [itemKey(j.task, j.index), j]));
      for (const p of preds) {
        const key = itemKey(p.task, p.index);
        items.push(itemRow(p, seriesIndex, judgeByItem.get(key), opts.omitPrompts));
        const g = run.gt?.[key];
        if (g) gt[key] = g;
      }
    }
  });

  const reference = opts.reference
    ? buildReferenceSeries(opts.reference, series.map((s) => s.pathway), resolveReferenceModels(opts.reference, opts.models))
    : [];
  if (opts.reference && reference.length === 0) notes.push('the reference tables have no rows for the pathways of these runs');
  const taskSet = new Set<string>();
  for (const s of series) for (const t of Object.keys(s.tasks)) taskSet.add(t);
  for (const s of reference) for (const t of Object.keys(s.tasks)) taskSet.add(t);
  const tasks = [...taskSet].sort((a, b) => taskOrder(a) - taskOrder(b) || a.localeCompare(b));

  return {
    version: 1,
    title: opts.title ?? defaultTitle(runSummaries),
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    tasks,
    metricNames: [...METRIC_NAMES],
    runs: runSummaries,
    series,
    reference,
    items,
    gt,
    notes,
  };
}

/** Short, distinct run names: the model's last path part, then the run folder's name when two share a model. */
export function runLabels(runs: readonly Pick<LoadedRun, 'dir' | 'run'>[]): string[] {
  const base = runs.map((r) => shortModel(r.run.spec.model));
  const labels = base.map((b, i) => (base.filter((x) => x === b).length > 1 ? `${b} (${shortModel(runs[i].dir)})` : b));
  return labels.map((l, i) => (labels.filter((x) => x === l).length > 1 ? `${l} #${i + 1}` : l));
}

function shortModel(model: string): string {
  const parts = model.split(/[\\/]/).filter(Boolean);
  return parts.length > 0 ? parts[parts.length - 1] : model;
}

function defaultTitle(runs: readonly RunSummary[]): string {
  if (runs.length === 1) return `IP-Dialog report: ${runs[0].label}`;
  return `IP-Dialog comparison: ${runs.map((r) => r.label).join(', ')}`;
}

function summarizeRun(loaded: LoadedRun, id: string, label: string): RunSummary {
  const { run } = loaded;
  return {
    id,
    label,
    dir: loaded.dir,
    model: run.spec.model,
    ...(run.spec.model_revision && { modelRevision: run.spec.model_revision }),
    backend: run.spec.backend,
    engine: run.environment.engine,
    device: run.environment.device,
    status: run.status,
    startedAt: run.started_at,
    ...(run.finished_at && { finishedAt: run.finished_at }),
    dataFile: run.spec.data_file,
    perTask: run.spec.per_task,
    promptMode: run.spec.prompt_mode,
    sampling: run.spec.sampling,
    ...(run.spec.judge && { judgeModel: `${run.spec.judge.model} (${run.spec.judge.sample})` }),
    stats: run.stats,
    ...(run.error && { error: `${run.error.code}: ${run.error.message}` }),
    ...(run.endpoints && { endpoints: run.endpoints }),
  };
}

/**
 * Predictions per pathway, in the run's pathway order, then in task order and by index.
 * A repeated (pathway, task, index) keeps the last line, the way a resumed run would have
 * meant it, and is noted.
 */
export function groupByPathway(run: Pick<LoadedRun, 'run' | 'predictions'>, note: (text: string) => void): Map<string, PredictionRecord[]> {
  const byPathway = new Map<string, Map<string, PredictionRecord>>();
  for (const p of run.run.spec.pathways) byPathway.set(p, new Map());
  let duplicates = 0;
  for (const p of run.predictions) {
    const m = byPathway.get(p.pathway) ?? new Map<string, PredictionRecord>();
    const key = itemKey(p.task, p.index);
    if (m.has(key)) duplicates++;
    m.set(key, p);
    byPathway.set(p.pathway, m);
  }
  if (duplicates > 0) note(`predictions.jsonl repeats ${duplicates} (pathway, item) pair(s); the last line of each is shown`);
  const out = new Map<string, PredictionRecord[]>();
  for (const [pathway, m] of byPathway) {
    if (m.size > 0) out.set(pathway, [...m.values()].sort((a, b) => taskOrder(a.task) - taskOrder(b.task) || a.index - b.index));
  }
  return out;
}

type MetricsPathway = MetricsRecord['pathways'][string];

function fromMetricsRecord(entry: MetricsPathway): PathwaySummary {
  return { tasks: entry.tasks, overall: entry.overall, atfRvaPearson: entry.atf_rva_pearson };
}

function fromMetricsJudge(judge: NonNullable<MetricsPathway['judge']>): JudgeSummary {
  return { tasks: judge.tasks, failures: judge.failures, failedIndexes: judge.failed_indexes };
}

/** Adds the item-weighted mean over tasks. */
function withOverall(summary: JudgeSummary): SeriesJudge {
  const entries = Object.values(summary.tasks);
  const count = entries.reduce((acc, e) => acc + e.count, 0);
  if (count === 0) return { ...summary, overall: null };
  const mean = {} as JudgeScores;
  for (const name of JUDGE_NAMES) mean[name] = entries.reduce((acc, e) => acc + e.mean[name] * e.count, 0) / count;
  return { ...summary, overall: { mean, count } };
}

function itemRow(p: PredictionRecord, series: number, judge: JudgeRecord | undefined, omitPrompt?: boolean): ItemRow {
  return {
    series,
    index: p.index,
    task: p.task,
    prompt: omitPrompt ? '' : p.prompt,
    response: p.response,
    extracted: p.extracted,
    missing: p.missing,
    metrics: p.metrics,
    finishReason: p.finish_reason,
    promptTokens: p.prompt_tokens,
    completionTokens: p.completion_tokens,
    latencyMs: p.latency_ms,
    ...(p.error !== undefined && { error: p.error }),
    ...(judge && { judge: { status: judge.status, scores: judge.scores, problems: judge.problems, output: judge.output } }),
  };
}
