// The run format as version 1 wrote it, frozen: migrate() reads older runs through these
// schemas. Never change them; change schema.ts and add a migration step instead.
import { z } from 'zod';

const ItemMetricsV1 = z.object({
  answer_acc: z.number(),
  attribute_f1: z.number(),
  value_f1: z.number(),
  relative_value_acc: z.number(),
});

const JudgeScoresV1 = z.object({
  Conciseness: z.number(),
  Personalization: z.number(),
  'Analysis Quality': z.number(),
  'Answer Accuracy': z.number(),
  Total: z.number(),
});

export const PredictionRecordV1Schema = z.object({
  index: z.number().int(),
  line: z.number().int().optional(),
  task: z.string(),
  pathway: z.string(),
  prompt: z.string(),
  response: z.string(),
  extracted: z.object({
    attributes: z.record(z.string(), z.string()),
    analysis: z.string(),
    answer: z.union([z.string(), z.array(z.string())]),
  }),
  missing: z.array(z.string()).default([]),
  /** Version 1 wrote the official NaN (rank, constant answer list) as 0. */
  metrics: ItemMetricsV1,
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cached_tokens: z.number().int().default(0),
  finish_reason: z.string(),
  latency_ms: z.number(),
  error: z.string().optional(),
});
export type PredictionRecordV1 = z.infer<typeof PredictionRecordV1Schema>;

export const JudgeRecordV1Schema = z.object({
  index: z.number().int(),
  line: z.number().int().optional(),
  judge_model: z.string().optional(),
  task: z.string(),
  pathway: z.string(),
  prompt: z.string(),
  output: z.string(),
  scores: JudgeScoresV1.partial(),
  status: z.enum(['ok', 'partial', 'out_of_range', 'no_total', 'unparseable', 'error']),
  problems: z.array(z.string()).default([]),
});
export type JudgeRecordV1 = z.infer<typeof JudgeRecordV1Schema>;

export const RunRecordV1Schema = z.object({
  version: z.literal(1),
  status: z.enum(['started', 'success', 'cancelled', 'error']),
  spec: z.object({
    model: z.string(),
    model_revision: z.string().optional(),
    backend: z.string(),
    pathways: z.array(z.string()),
    data_file: z.string(),
    data_sha256: z.string(),
    per_task: z.number().int().nullable(),
    /** Keyed by pathway in the CLI's runs, by task in the browser app's. */
    max_new_tokens: z.record(z.string(), z.number().int()),
    sampling: z.object({ temperature: z.number(), top_p: z.number().optional(), seed: z.number().optional() }),
    prompt_mode: z.enum(['chat', 'raw']),
    judge: z.object({ model: z.string(), sample: z.enum(['every-10th', 'all']) }).optional(),
  }),
  environment: z.object({
    engine: z.string(),
    device: z.string(),
    packages: z.record(z.string(), z.string()),
    git_rev: z.string().optional(),
    node: z.string(),
    platform: z.string(),
  }),
  started_at: z.string(),
  finished_at: z.string().optional(),
  stats: z.object({
    items_total: z.number().int(),
    items_done: z.number().int(),
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    cached_tokens: z.number().int(),
    generation_seconds: z.number(),
    tokens_per_second: z.number(),
  }),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type RunRecordV1 = z.infer<typeof RunRecordV1Schema>;
