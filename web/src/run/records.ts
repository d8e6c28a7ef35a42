// Builds the CLI's results files (bench/runlog/schema.ts) from a browser run. Pure: the
// page, the downloads and the unit tests share it.
import type { TextResult } from '../../../common';
import { summarizePredictions } from '../../../bench/report/summarize';
import { RUN_FORMAT_VERSION, type MetricsRecord, type PredictionRecord, type RunRecord } from '../../../bench/runlog/schema';
import type { PathwayId } from '../../../pathways';

export { predictionRecord } from '../../../bench/runlog/records';

/** metrics.json from the records themselves, so the two files always agree. */
export function metricsRecord(predictions: readonly PredictionRecord[]): MetricsRecord {
  const pathways: MetricsRecord['pathways'] = {};
  for (const pathway of new Set(predictions.map((p) => p.pathway))) {
    const s = summarizePredictions(predictions.filter((p) => p.pathway === pathway));
    pathways[pathway] = { tasks: s.tasks, overall: s.overall, atf_rva_pearson: s.atfRvaPearson };
  }
  return { version: RUN_FORMAT_VERSION, pathways };
}

/** One line of `ipdialog generate --out`: the same keys in the same order. */
export interface GenerationLine {
  id: string;
  text: string;
  token_ids: number[] | null;
  prompt_tokens: number;
  finish_reason: string;
  error?: string;
}

export function generationLine(id: string, r: TextResult): GenerationLine {
  return { id, text: r.text, token_ids: r.tokenIds ?? null, prompt_tokens: r.promptTokens, finish_reason: r.finishReason, ...(r.error && { error: r.error }) };
}

export interface RunInfo {
  model: string;
  backend: string;
  engine: string;
  device: string;
  packages: Record<string, string>;
  pathway: PathwayId;
  dataFile: string;
  dataSha256: string;
  perTask: number | null;
  tasks: readonly string[];
  maxNewTokens: number;
  startedAt: string;
  finishedAt?: string;
  status: RunRecord['status'];
  platform: string;
  error?: { code: string; message: string };
}

export function runRecord(info: RunInfo, predictions: readonly PredictionRecord[], numItems: number): RunRecord {
  const sum = (k: 'prompt_tokens' | 'completion_tokens' | 'cached_tokens') => predictions.reduce((a, p) => a + p[k], 0);
  const seconds = info.finishedAt ? (Date.parse(info.finishedAt) - Date.parse(info.startedAt)) / 1000 : 0;
  const completion = sum('completion_tokens');
  return {
    version: RUN_FORMAT_VERSION,
    status: info.status,
    spec: {
      model: info.model,
      backend: info.backend,
      pathways: [info.pathway],
      data_file: info.dataFile,
      data_sha256: info.dataSha256,
      per_task: info.perTask,
      max_new_tokens: Object.fromEntries(info.tasks.map((t) => [t, info.maxNewTokens])),
      sampling: { temperature: 0 },
      prompt_mode: 'chat',
    },
    environment: {
      engine: info.engine,
      device: info.device,
      packages: info.packages,
      // A browser run has no Node; the schema keeps the field for CLI runs.
      node: 'none (browser)',
      platform: info.platform,
    },
    started_at: info.startedAt,
    ...(info.finishedAt && { finished_at: info.finishedAt }),
    stats: {
      items_total: numItems,
      items_done: predictions.length,
      prompt_tokens: sum('prompt_tokens'),
      completion_tokens: completion,
      cached_tokens: sum('cached_tokens'),
      generation_seconds: seconds,
      tokens_per_second: seconds > 0 ? completion / seconds : 0,
    },
    ...(info.error && { error: info.error }),
  };
}

export const toJsonl = (rows: readonly unknown[]): string => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
