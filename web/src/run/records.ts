// The browser run's results files in the CLI's run format: records, run.json and metrics come
// from bench/runlog (the same builders and reduce() as `ipdialog run`); generations.jsonl is
// `ipdialog generate`'s format. Pure: the page, the downloads and the unit tests share it.
import type { TextResult } from '../../../common';
import { RUN_FORMAT_VERSION, runStats, type PredictionRecord, type RunRecord } from '../../../bench/runlog';
import type { PathwayId } from '../../../pathways';

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
  /** The weights' dtype as loaded (onnxruntime-web). */
  dtype?: string;
  /** onnxruntime-web runs the engine's default, exact; WebLLM has no such mode. */
  numerics?: 'exact';
  /** pathwayTemplateHash of the run's pathway. */
  pathwayTemplate: string;
  backend: string;
  engine: string;
  device: string;
  packages: Record<string, string>;
  pathway: PathwayId;
  dataFile: string;
  dataSha256: string;
  perTask: number | null;
  maxNewTokens: number;
  startedAt: string;
  finishedAt?: string;
  status: RunRecord['status'];
  platform: string;
  error?: { code: string; message: string };
}

export function runRecord(info: RunInfo, predictions: readonly PredictionRecord[], numItems: number): RunRecord {
  const seconds = info.finishedAt ? (Date.parse(info.finishedAt) - Date.parse(info.startedAt)) / 1000 : 0;
  return {
    version: RUN_FORMAT_VERSION,
    status: info.status,
    spec: {
      model: info.model,
      ...(info.dtype && { dtype: info.dtype }),
      ...(info.numerics && { numerics: info.numerics }),
      backend: info.backend,
      pathways: [info.pathway],
      data_file: info.dataFile,
      data_sha256: info.dataSha256,
      per_task: info.perTask,
      max_new_tokens: { [info.pathway]: info.maxNewTokens },
      sampling: { temperature: 0 },
      prompt_mode: 'chat',
      pathway_templates: { [info.pathway]: info.pathwayTemplate },
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
    stats: runStats(predictions, numItems, seconds),
    ...(info.error && { error: info.error }),
  };
}

export const toJsonl = (rows: readonly unknown[]): string => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
