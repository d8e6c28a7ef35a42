// Picks the paper's rows that match the pathways our runs used. Browser-safe.
import { IpdError } from '../../common';
import { METRIC_NAMES, type ItemMetrics } from '../runlog';
import { PATHWAY_DATASET_IDS } from './names';
import type { ReferenceData, ReferenceSeries } from './types';

/** The paper's headline models; `--models all` shows every model of the tables. */
export const DEFAULT_REFERENCE_MODELS = ['gpt4o', 'claude', 'llama3-1', 'qwen'] as const;

// Dark, so a mark stays visible over any series bar (which the page outlines in white).
const REFERENCE_COLORS = ['#111111', '#9b1c1c', '#4c1d95', '#78350f', '#4b5563', '#1e3a8a', '#3f6212', '#831843', '#0f766e'];

/** All models named anywhere in the reference metrics, in first-seen order. */
export function referenceModels(ref: ReferenceData): string[] {
  const seen = new Set<string>();
  for (const byModel of Object.values(ref.metrics)) for (const model of Object.keys(byModel)) seen.add(model);
  return [...seen];
}

/**
 * Resolves the requested model list: undefined -> the defaults that exist, ['all'] ->
 * every model; an unknown name is a usage error that lists the known ones.
 */
export function resolveReferenceModels(ref: ReferenceData, requested?: readonly string[]): string[] {
  const known = referenceModels(ref);
  if (requested === undefined) return DEFAULT_REFERENCE_MODELS.filter((m) => known.includes(m));
  if (requested.length === 1 && requested[0] === 'all') return known;
  const unknown = requested.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    throw new IpdError('USAGE', `unknown reference model(s): ${unknown.join(', ')}`, { hint: `choose from ${known.join(', ')} (or "all")` });
  }
  return [...requested];
}

/** One reference series per (pathway we ran, model), for pathways the paper has tables for. */
export function buildReferenceSeries(ref: ReferenceData, pathways: readonly string[], models: readonly string[]): ReferenceSeries[] {
  const out: ReferenceSeries[] = [];
  // Pathways the paper has no table for add no rows, and no pathway suffix to the labels.
  const distinct = [...new Set(pathways)].filter((p) => PATHWAY_DATASET_IDS[p] && ref.metrics[PATHWAY_DATASET_IDS[p]]);
  for (const pathway of distinct) {
    const datasetId = PATHWAY_DATASET_IDS[pathway];
    const byModel = ref.metrics[datasetId];
    for (const model of models) {
      const tasks = byModel[model];
      if (!tasks) continue;
      const label = distinct.length > 1 ? `paper · ${model} · ${pathway}` : `paper · ${model}`;
      const judge = ref.judge?.[datasetId]?.[model];
      out.push({
        id: `ref:${datasetId}:${model}`,
        label,
        model,
        pathway,
        datasetId,
        // One colour per model: the charts draw a model's marks alike on every pathway.
        color: REFERENCE_COLORS[models.indexOf(model) % REFERENCE_COLORS.length],
        tasks,
        overallMean: meanOfSums(Object.values(tasks)),
        ...(judge && { judge }),
      });
    }
  }
  return out;
}

/**
 * The paper publishes only per-task sums over 100 items, so its overall mean is the mean
 * sum / 100 (a published table, not our records: reduce() does not apply).
 */
function meanOfSums(sums: readonly ItemMetrics[]): ItemMetrics {
  const mean = { answer_acc: 0, attribute_f1: 0, value_f1: 0, relative_value_acc: 0 };
  if (sums.length === 0) return mean;
  for (const name of METRIC_NAMES) mean[name] = sums.reduce((acc, s) => acc + s[name], 0) / sums.length / 100;
  return mean;
}
