/**
 * `ipdialog score`: predictions -> per-item scores -> bench/runlog's reduce() (the numbers a
 * run's metrics.json holds). A file of predictions is scored and printed; a run folder
 * (`--run DIR`) is re-scored in place: predictions.jsonl, metrics.json and report.html are
 * rewritten, as `ipdialog run` writes them. METEOR data is loaded only when a METEOR task is present.
 */
import { IpdError } from '../../common';
import { ANSWER_KIND, getPathway, type DialogItem, type Pathway, type PathwayId } from '../../pathways';
import { readDataset, resolveDataFile } from '../../pathways/node';
import { createItemScorer, createMeteor, type ItemScore, type ItemScorer, type MeteorResources } from '../../scorers';
import { loadMeteorResources } from '../../scorers/node';
import { writeRunReport } from '../report/node';
import { itemId, reduce, scoreFields, type MetricsRecord, type PathwayMetrics, type PredictionRecord } from '../runlog';
import { fileSha256, openRunForUpdate, runPaths, writeMetrics, writeRecords } from '../runlog/node';
import { readPredictions, type Prediction, type PredictionFormat } from './predictions';

export interface ScoreRunResult {
  pathway: PathwayId;
  format?: PredictionFormat;
  scores: ItemScore[];
  /** reduce() of the scored items. */
  metrics: PathwayMetrics;
}

const needsMeteor = (items: readonly { task: DialogItem['task'] }[]) => items.some((it) => ['list', 'text'].includes(ANSWER_KIND[it.task]));

async function createScorer(items: readonly { task: DialogItem['task'] }[], resources?: MeteorResources): Promise<ItemScorer> {
  const res = resources ?? (needsMeteor(items) ? await loadMeteorResources() : undefined);
  return createItemScorer({ meteor: res ? createMeteor(res) : undefined });
}

/** Scores predictions that are already matched to their items (in data-file order). */
export async function scoreRun(pathway: Pathway, predictions: readonly Prediction[], resources?: MeteorResources): Promise<ScoreRunResult> {
  const score = await createScorer(
    predictions.map((p) => p.item),
    resources,
  );
  const scores = predictions.map((p) => score(p.item, p.response, pathway.attributeField));
  const records = scores.map((s) => ({ pathway: pathway.id, task: s.task, index: s.index, ...scoreFields(s) }));
  return { pathway: pathway.id, scores, metrics: reduce({ predictions: records }).pathways[pathway.id] };
}

export interface ScoreFileOptions {
  pathway: string;
  /** Dataset file; the official test set from the cache when omitted. */
  data?: string;
  /** Only the first K items of each task (as the run that made the predictions). */
  perTask?: number;
  predictions: string;
  resources?: MeteorResources;
}

export async function scorePredictionsFile(opts: ScoreFileOptions): Promise<ScoreRunResult & { dataFile: string }> {
  const pathway = getPathway(opts.pathway);
  const dataFile = await resolveDataFile(opts.data);
  const data = await readDataset(dataFile, { perTask: opts.perTask });
  const set = await readPredictions(
    opts.predictions,
    data.items.map((l) => l.item),
    pathway.id,
  );
  const result = await scoreRun(pathway, set.predictions, opts.resources);
  return { ...result, format: set.format, dataFile };
}

export interface RescoreOptions {
  /** Re-score a run whose run.json still says `started` (killed, not running). */
  force?: boolean;
  resources?: MeteorResources;
}

export interface RescoreResult {
  /** Per pathway of the run, in its order. */
  results: ScoreRunResult[];
  metrics: MetricsRecord;
  /** Records whose metrics or extraction changed. */
  numChanged: number;
  notes: string[];
}

/**
 * Re-scores every prediction of a run folder against the run's data file with the current
 * scorer, and writes the result into the run: predictions.jsonl (extraction, parse status and
 * metrics of each record), metrics.json and report.html.
 */
export async function rescoreRun(dir: string, opts: RescoreOptions = {}): Promise<RescoreResult> {
  const log = await openRunForUpdate(dir);
  if (!log) throw new IpdError('RUN_INVALID', `${dir} has no run.json`, { file: dir, hint: 'pass the --out folder of `ipdialog run`' });
  const { run } = log;
  if (run.status === 'started' && !opts.force) {
    throw new IpdError('RUN_CONFLICT', `${dir} holds a run that has not finished (status "started"): it may still be writing`, {
      file: runPaths(dir).run,
      hint: 'wait for it to finish; if it was killed, rerun the same `ipdialog run` command to complete it, or pass --force to score it as it is',
    });
  }
  const notes = [...log.notes];
  if ((await fileSha256(run.spec.data_file)) !== run.spec.data_sha256) {
    notes.push(`${run.spec.data_file} changed since the run (sha256 differs): scored against the file as it is now`);
  }
  const data = await readDataset(run.spec.data_file, { perTask: run.spec.per_task ?? undefined });
  const byId = new Map(data.items.map((l) => [itemId(l.item), l.item]));
  const score = await createScorer(log.predictions, opts.resources);
  const scores = new Map<PredictionRecord, ItemScore>();
  let numChanged = 0;
  const predictions = log.predictions.map((p) => {
    const item = byId.get(itemId(p));
    if (!item) throw new IpdError('RUN_INVALID', `the prediction for item ${itemId(p)} has no item in ${run.spec.data_file}`, { file: runPaths(dir).predictions, ...(p.line !== undefined && { line: p.line }) });
    const s = score(item, p.response, getPathway(p.pathway).attributeField);
    const rec: PredictionRecord = { ...p, ...scoreFields(s) };
    if (JSON.stringify(scoreFields(s)) !== JSON.stringify({ extracted: p.extracted, missing: p.missing, parse_status: p.parse_status, metrics: p.metrics })) numChanged++;
    scores.set(rec, s);
    return rec;
  });
  writeRecords(runPaths(dir).predictions, predictions);
  const metrics = reduce({ predictions, judge: log.judge, pathways: run.spec.pathways });
  writeMetrics(dir, metrics);
  await writeRunReport(dir);
  const results = Object.entries(metrics.pathways).map(([pathway, m]) => ({
    pathway: pathway as PathwayId,
    scores: predictions.filter((p) => p.pathway === pathway).map((p) => scores.get(p)!),
    metrics: m,
  }));
  return { results, metrics, numChanged, notes };
}
