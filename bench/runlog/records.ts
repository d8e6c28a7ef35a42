// Building records: the one place a scorer's result and a generation become a PredictionRecord,
// for the CLI's `run`, `score --run` and the browser app alike. Pure.
import type { TextResult } from '../../common';
import type { LoadedItem, PathwayId } from '../../pathways';
import type { ItemScore } from '../../scorers';
import type { PredictionRecord, RunStats } from './schema';

export type ScoreFields = Pick<PredictionRecord, 'extracted' | 'missing' | 'parse_status' | 'metrics'>;

/**
 * What a score contributes to a record. The official NaN (a rank answer listing one option
 * over and over) is kept: JSON writes it as null and the schema reads null back as NaN.
 */
export function scoreFields(score: ItemScore): ScoreFields {
  return {
    extracted: { attributes: score.extracted.attributes, analysis: score.extracted.analysis, answer: score.extracted.answer },
    missing: [...score.missing],
    parse_status: score.parseStatus,
    metrics: {
      answer_acc: score.answerAcc,
      attribute_f1: score.attributeF1,
      value_f1: score.valueF1,
      relative_value_acc: score.relativeValueAcc,
    },
  };
}

export function predictionRecord(pathway: PathwayId, entry: LoadedItem, prompt: string, result: TextResult, score: ItemScore): PredictionRecord {
  return {
    index: entry.item.index,
    line: entry.source.line,
    task: entry.item.task,
    pathway,
    prompt,
    response: result.text,
    ...scoreFields(score),
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    cached_tokens: result.cachedTokens ?? 0,
    finish_reason: result.finishReason,
    latency_ms: Math.round(result.latencyMs),
    ...(result.error && { error: result.error }),
    ...(result.endpoint && { endpoint: result.endpoint }),
  };
}

/** Token counts of a run's records, and the generation rate over `seconds` of generating. */
export function runStats(predictions: readonly PredictionRecord[], itemsTotal: number, seconds: number): RunStats {
  const sum = (k: 'prompt_tokens' | 'completion_tokens' | 'cached_tokens') => predictions.reduce((a, p) => a + p[k], 0);
  const completion = sum('completion_tokens');
  return {
    items_total: itemsTotal,
    items_done: predictions.length,
    prompt_tokens: sum('prompt_tokens'),
    completion_tokens: completion,
    cached_tokens: sum('cached_tokens'),
    generation_seconds: seconds,
    tokens_per_second: seconds > 0 ? completion / seconds : 0,
  };
}
