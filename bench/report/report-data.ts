// Turns loaded runs (and optionally the paper's tables) into the plain data the page
// embeds. Pure and browser-safe: everything here is testable without a DOM. The numbers are
// bench/runlog's reduce() of each run's records; nothing is aggregated here.
import { taskOrder } from '../../pathways';
import { isJudgeFailure } from '../../scorers';
import { compareRecords, itemId, METRIC_NAMES, type ComparedRecords, type JudgeRecord, type PredictionRecord } from '../runlog';
import { PATHWAY_DATASET_IDS } from './names';
import { buildReferenceSeries, resolveReferenceModels } from './reference-series';
import type { ComparisonData, GtRecord, ItemRow, LoadedRun, ReportData, ReportOptions, RunManifest, RunSummary, SeriesData } from './types';

/** Colour-blind-friendly (Okabe-Ito first), distinct from the reference greys. */
export const SERIES_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#F0E442', '#000000', '#882255', '#44AA99'];

export function buildReportData(runs: readonly LoadedRun[], opts: ReportOptions = {}): ReportData {
  const labels = runLabels(runs);
  const notes: string[] = [];
  const series: SeriesData[] = [];
  const items: ItemRow[] = [];
  const gt: Record<string, GtRecord> = {};
  const seriesRecords: ComparedRecords[] = [];
  const promptLines = new LineTable();
  const runSummaries: RunSummary[] = runs.map((run, r) => summarizeRun(run, `run${r}`, labels[r]));

  runs.forEach((run, r) => {
    const prefix = runs.length > 1 ? `${labels[r]}: ` : '';
    notes.push(...run.notes.map((n) => `${prefix}${n}`));
    for (const [pathway, entry] of Object.entries(run.metrics.pathways)) {
      const seriesIndex = series.length;
      const preds = sampleOrder(run.predictions.filter((p) => p.pathway === pathway));
      const label = runs.length > 1 ? `${labels[r]} · ${pathway}` : pathway;
      series.push({
        id: `${runSummaries[r].id}:${pathway}`,
        label,
        runId: runSummaries[r].id,
        pathway,
        ...(PATHWAY_DATASET_IDS[pathway] && { datasetId: PATHWAY_DATASET_IDS[pathway] }),
        color: SERIES_COLORS[seriesIndex % SERIES_COLORS.length],
        tasks: entry.tasks,
        overall: entry.overall,
        pearson: entry.atf_rva_pearson.across_items,
        ...(entry.judge && { judge: entry.judge }),
        numItems: preds.length,
        numMissing: preds.filter((p) => p.missing.length > 0).length,
        numErrors: preds.filter((p) => p.error !== undefined).length,
      });
      const judged = run.judge.filter((j) => j.pathway === pathway);
      seriesRecords.push({ predictions: preds, judge: judged });
      const judgeByItem = new Map(judged.map((j) => [itemId(j), j]));
      for (const p of preds) {
        const id = itemId(p);
        items.push(itemRow(p, seriesIndex, judgeByItem.get(id), opts.omitPrompts ? undefined : promptLines));
        const g = run.gt?.[id];
        if (g) gt[id] = g;
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
    version: 2,
    title: opts.title ?? defaultTitle(runSummaries),
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    tasks,
    metricNames: [...METRIC_NAMES],
    runs: runSummaries,
    series,
    reference,
    items,
    promptLines: promptLines.lines,
    gt,
    comparisons: buildComparisons(series, seriesRecords, runSummaries.map((r) => r.id)),
    notes,
  };
}

/**
 * Each later run's series against the first run's series of the same pathway; two runs of one
 * pathway each are compared whatever their pathways (a pathway against another on the same items).
 */
function buildComparisons(series: readonly SeriesData[], records: readonly ComparedRecords[], runIds: readonly string[]): ComparisonData[] {
  if (runIds.length < 2) return [];
  const ofRun = (id: string) => series.map((s, i) => ({ s, i })).filter((x) => x.s.runId === id);
  const baseline = ofRun(runIds[0]);
  const out: ComparisonData[] = [];
  for (const runId of runIds.slice(1)) {
    const other = ofRun(runId);
    for (const { s, i } of other) {
      const base = baseline.find((x) => x.s.pathway === s.pathway) ?? (baseline.length === 1 && other.length === 1 ? baseline[0] : undefined);
      if (!base) continue;
      out.push({ a: base.i, b: i, ...compareRecords(records[base.i], records[i], { seedKey: `${base.s.id} vs ${s.id}` }) });
    }
  }
  return out;
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
    ...(run.judge && { judgeModel: `${run.judge.model} (${run.judge.sample})` }),
    stats: run.stats,
    ...(run.error && { error: `${run.error.code}: ${run.error.message}` }),
    ...(run.endpoints && { endpoints: run.endpoints }),
    ...(run.judge?.endpoints && { judgeEndpoints: run.judge.endpoints }),
    manifest: runManifest(run),
  };
}

function runManifest(run: LoadedRun['run']): RunManifest {
  const { spec, environment: env } = run;
  const sampling = spec.sampling ?? { temperature: 0 };
  const generation = [
    sampling.temperature === 0 ? 'greedy (temperature 0)' : `temperature ${sampling.temperature}`,
    sampling.top_p !== undefined && `top-p ${sampling.top_p}`,
    sampling.seed !== undefined && `seed ${sampling.seed}`,
    `max new tokens ${Object.entries(spec.max_new_tokens ?? {})
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')}`,
    `${spec.prompt_mode} prompts`,
  ]
    .filter(Boolean)
    .join('; ');
  return {
    model: spec.model,
    ...(spec.model_revision && { revision: spec.model_revision }),
    ...(spec.dtype && { dtype: spec.numerics ? `${spec.dtype}, ${spec.numerics} numerics` : spec.dtype }),
    device: env?.device ?? '',
    backend: spec.backend,
    engine: env?.engine ?? '',
    dataFile: spec.data_file,
    dataSha256: spec.data_sha256,
    perTask: spec.per_task,
    ...(spec.pathway_templates && { pathwayTemplates: spec.pathway_templates as Record<string, string> }),
    ...(run.judge && { judge: `${run.judge.model} (${run.judge.sample})` }),
    ...(run.judge?.revision && { judgeRevision: run.judge.revision }),
    ...(run.judge?.endpoints?.length && { judgeEndpoints: run.judge.endpoints.map((e) => e.url) }),
    ...(run.endpoints?.length && { endpoints: run.endpoints.map((e) => e.url) }),
    generation,
    packages: env?.packages ?? {},
    ...(env?.node && { node: env.node }),
    ...(env?.platform && { platform: env.platform }),
    ...(env?.git_rev && { gitRev: env.git_rev }),
    ...(env?.command_line && { commandLine: env.command_line }),
  };
}

/** The sample browser's order: task order, then index. */
function sampleOrder(preds: readonly PredictionRecord[]): PredictionRecord[] {
  return [...preds].sort((a, b) => taskOrder(a.task) - taskOrder(b.task) || a.index - b.index);
}

/**
 * The distinct lines of all prompts. A prompt is its pathway's template around the item's
 * history: the five pathways of an item share the history's lines and every item shares the
 * template's, so a full run's prompts shrink to about a sixth (5,000 prompts: 17 MB of text).
 */
class LineTable {
  readonly lines: string[] = [];
  private readonly ids = new Map<string, number>();

  idsOf(text: string): number[] {
    return text.split('\n').map((line) => {
      let id = this.ids.get(line);
      if (id === undefined) {
        id = this.lines.push(line) - 1;
        this.ids.set(line, id);
      }
      return id;
    });
  }
}

function itemRow(p: PredictionRecord, series: number, judge: JudgeRecord | undefined, promptLines: LineTable | undefined): ItemRow {
  return {
    series,
    id: itemId(p),
    index: p.index,
    task: p.task,
    promptLineIds: promptLines ? promptLines.idsOf(p.prompt) : [],
    response: p.response,
    extracted: p.extracted,
    missing: p.missing,
    metrics: p.metrics,
    finishReason: p.finish_reason,
    promptTokens: p.prompt_tokens,
    completionTokens: p.completion_tokens,
    latencyMs: p.latency_ms,
    ...(p.error !== undefined && { error: p.error }),
    ...(judge && { judge: { status: judge.status, failed: isJudgeFailure(judge.status), scores: judge.scores, problems: judge.problems, output: judge.output } }),
  };
}
