import { z } from 'zod';

/**
 * The run directory contract (`ipdialog run --out DIR`), shared by run, score, judge,
 * compare, report and the web app:
 *   DIR/run.json           RunRecord     settings, environment, status, timings
 *   DIR/predictions.jsonl  PredictionRecord per finished item (appended durably)
 *   DIR/metrics.json       MetricsRecord (rewritten as items finish)
 *   DIR/judge.jsonl        JudgeRecord per judged item
 *   DIR/report.html        self-contained report
 * Bump RUN_FORMAT_VERSION on breaking changes and extend migrate().
 */
export const RUN_FORMAT_VERSION = 1;

export const METRIC_NAMES = ['answer_acc', 'attribute_f1', 'value_f1', 'relative_value_acc'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const ItemMetricsSchema = z.object({
  answer_acc: z.number(),
  attribute_f1: z.number(),
  value_f1: z.number(),
  relative_value_acc: z.number(),
});
export type ItemMetrics = z.infer<typeof ItemMetricsSchema>;

export const PredictionRecordSchema = z.object({
  /** Dataset item `index` and its 1-based line in the data file. */
  index: z.number().int(),
  line: z.number().int().optional(),
  task: z.string(),
  pathway: z.string(),
  prompt: z.string(),
  response: z.string(),
  /** What the scorer extracted: attribute pairs, analysis and answer (parsed per task). */
  extracted: z.object({
    attributes: z.record(z.string(), z.string()),
    analysis: z.string(),
    answer: z.union([z.string(), z.array(z.string())]),
  }),
  /** Which parts of the response could not be extracted (empty when all were found). */
  missing: z.array(z.string()).default([]),
  metrics: ItemMetricsSchema,
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cached_tokens: z.number().int().default(0),
  finish_reason: z.string(),
  latency_ms: z.number(),
  error: z.string().optional(),
  /** The server that answered (--backend openai). */
  endpoint: z.string().optional(),
});
export type PredictionRecord = z.infer<typeof PredictionRecordSchema>;

export const MetricSummarySchema = z.object({
  /** The official aggregate: SUM over the task's items, rounded to 2 decimals. */
  sum: ItemMetricsSchema,
  mean: ItemMetricsSchema,
  count: z.number().int(),
});

export const JudgeScoresSchema = z.object({
  Conciseness: z.number(),
  Personalization: z.number(),
  'Analysis Quality': z.number(),
  'Answer Accuracy': z.number(),
  Total: z.number(),
});
export type JudgeScores = z.infer<typeof JudgeScoresSchema>;

export const MetricsRecordSchema = z.object({
  version: z.literal(RUN_FORMAT_VERSION),
  /** Keyed by pathway id, then task. */
  pathways: z.record(
    z.string(),
    z.object({
      tasks: z.record(z.string(), MetricSummarySchema),
      overall: z.object({ mean: ItemMetricsSchema, count: z.number().int() }),
      /** Pearson r of attribute F1 vs relative value accuracy across items (null when undefined). */
      atf_rva_pearson: z.number().nullable(),
      judge: z
        .object({
          tasks: z.record(z.string(), z.object({ mean: JudgeScoresSchema, count: z.number().int() })),
          failures: z.number().int(),
          failed_indexes: z.array(z.number().int()),
        })
        .optional(),
    }),
  ),
});
export type MetricsRecord = z.infer<typeof MetricsRecordSchema>;

export const JudgeRecordSchema = z.object({
  index: z.number().int(),
  /** 1-based line of the item in the data file (index alone is not unique in the test set). */
  line: z.number().int().optional(),
  judge_model: z.string().optional(),
  task: z.string(),
  pathway: z.string(),
  prompt: z.string(),
  output: z.string(),
  scores: JudgeScoresSchema.partial(),
  // The scorer's verdicts (scorers/judge.ts) plus 'error' when the judge model itself failed.
  status: z.enum(['ok', 'partial', 'out_of_range', 'no_total', 'unparseable', 'error']),
  problems: z.array(z.string()).default([]),
});
export type JudgeRecord = z.infer<typeof JudgeRecordSchema>;

/**
 * One server of a run on --backend openai, over all its sessions: requests, completion
 * tokens and latencies recomputed from predictions.jsonl; time and failures summed over the
 * sessions (the records do not hold them).
 */
export const EndpointStatsRecordSchema = z.object({
  url: z.string(),
  /** Predictions it answered. */
  requests: z.number().int(),
  completion_tokens: z.number().int(),
  /** Wall time with at least one request in flight there. */
  busy_seconds: z.number(),
  output_tokens_per_second: z.number(),
  latency_ms: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
  /** Failed attempts there that were sent again. */
  retries: z.number().int(),
  /** Failed attempts by cause; rejected: the server refused the item (4xx), recorded as its error. */
  errors: z.object({ rate_limited: z.number().int(), server: z.number().int(), timeout: z.number().int(), connection: z.number().int(), rejected: z.number().int() }),
  /** Requests in flight there when it went into cooldown, moved back to the queue. */
  requeued: z.number().int(),
  cooldowns: z.number().int(),
});
export type EndpointStatsRecord = z.infer<typeof EndpointStatsRecordSchema>;

export const RunRecordSchema = z.object({
  version: z.literal(RUN_FORMAT_VERSION),
  status: z.enum(['started', 'success', 'cancelled', 'error']),
  /** Settings that define the run; a rerun with different ones is refused without --force. */
  spec: z.object({
    model: z.string(),
    model_revision: z.string().optional(),
    backend: z.string(),
    pathways: z.array(z.string()),
    data_file: z.string(),
    data_sha256: z.string(),
    per_task: z.number().int().nullable(),
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
  endpoints: z.array(EndpointStatsRecordSchema).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;
