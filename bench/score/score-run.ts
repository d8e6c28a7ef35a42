/**
 * scoreRun: dataset items + one pathway's predictions -> per-item scores and aggregates.
 * METEOR data is loaded only when a METEOR task is present.
 */
import { getPathway, type DialogItem, type Pathway, type PathwayId } from '../../pathways';
import { readDataset, resolveDataFile } from '../../pathways/node';
import { aggregateScores, createItemScorer, createMeteor, type ItemScore, type MeteorResources, type RunAggregate } from '../../scorers';
import { ANSWER_KIND } from '../../pathways';
import { loadMeteorResources } from '../../scorers/node';
import { readPredictions, type Prediction, type PredictionFormat } from './predictions';

export interface ScoreRunResult {
  pathway: PathwayId;
  format?: PredictionFormat;
  scores: ItemScore[];
  aggregate: RunAggregate;
}

const needsMeteor = (items: readonly Prediction[]) => items.some((p) => ['list', 'text'].includes(ANSWER_KIND[p.item.task]));

/** Scores predictions that are already matched to their items. */
export async function scoreRun(
  pathway: Pathway,
  predictions: readonly Prediction[],
  resources?: MeteorResources,
): Promise<ScoreRunResult> {
  const res = resources ?? (needsMeteor(predictions) ? await loadMeteorResources() : undefined);
  const score = createItemScorer({ meteor: res ? createMeteor(res) : undefined });
  const scores = predictions.map((p) => score(p.item, p.response, pathway.attributeField));
  return { pathway: pathway.id, scores, aggregate: aggregateScores(scores) };
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
  const items: DialogItem[] = data.items.map((l) => l.item);
  const set = await readPredictions(opts.predictions, items, pathway.id, data.items.map((l) => l.source.line));
  const result = await scoreRun(pathway, set.predictions, opts.resources);
  return { ...result, format: set.format, dataFile };
}
