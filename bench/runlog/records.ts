// Builders of run records shared by the CLI's `run` and the browser app. Pure.
import type { TextResult } from '../../common';
import type { DialogItem, LoadedItem, PathwayId } from '../../pathways';
import type { ItemScore } from '../../scorers';
import type { PredictionRecord } from './schema';
import type { GtRecord } from '../report/types';

/**
 * A rank answer listing one option over and over has no Kendall tau (NaN in the official
 * script, which then makes the task's sum NaN). JSON has no NaN: run records store 0 for it;
 * `ipdialog score` keeps the official NaN.
 */
const finite = (x: number) => (Number.isFinite(x) ? x : 0);

export function predictionRecord(pathway: PathwayId, entry: LoadedItem, prompt: string, result: TextResult, score: ItemScore): PredictionRecord {
  return {
    index: entry.item.index,
    line: entry.source.line,
    task: entry.item.task,
    pathway,
    prompt,
    response: result.text,
    extracted: { attributes: score.extracted.attributes, analysis: score.extracted.analysis, answer: score.extracted.answer },
    missing: [...score.missing],
    metrics: {
      answer_acc: finite(score.answerAcc),
      attribute_f1: finite(score.attributeF1),
      value_f1: finite(score.valueF1),
      relative_value_acc: finite(score.relativeValueAcc),
    },
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    cached_tokens: result.cachedTokens ?? 0,
    finish_reason: result.finishReason,
    latency_ms: Math.round(result.latencyMs),
    ...(result.error && { error: result.error }),
    ...(result.endpoint && { endpoint: result.endpoint }),
  };
}

/** What a report shows of an item's ground truth. */
export function gtRecord(item: DialogItem): GtRecord {
  return {
    index: item.index,
    task: item.task,
    request: item.request,
    analysis: item.GT.analysis,
    answer: item.GT.answer,
    related_attributes: item.GT.related_attributes,
  };
}
