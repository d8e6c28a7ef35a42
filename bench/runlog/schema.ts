// zod schemas of every record in a run folder (layout.ts lists the files), version 2.
// Bump RUN_FORMAT_VERSION on any breaking change, freeze the old schemas in
// schema-v<N>.ts, add a step to migrate.ts and a fixture under tests/fixtures/runlog/.
import { z } from 'zod';
import { PATHWAY_IDS, TASKS } from '../../pathways';
import { isJudgeFailure, JUDGE_OUTCOMES, JUDGE_SCORE_NAMES, PARSE_STATUSES, RESPONSE_PARTS } from '../../scorers';

export const RUN_FORMAT_VERSION = 2;

export const METRIC_NAMES = ['answer_acc', 'attribute_f1', 'value_f1', 'relative_value_acc'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * A metric as the official scoring computes it. JSON has no NaN: the official NaN (Kendall
 * tau of a constant rank answer, and every sum or mean it enters) is written as null and
 * read back as NaN, so code sees the numbers the scorer produced.
 */
export const MetricValueSchema = z.union([z.number(), z.nan(), z.null()]).transform((v) => (v === null ? NaN : v));

export const ItemMetricsSchema = z.object({
  answer_acc: MetricValueSchema,
  attribute_f1: MetricValueSchema,
  value_f1: MetricValueSchema,
  relative_value_acc: MetricValueSchema,
});
export type ItemMetrics = z.output<typeof ItemMetricsSchema>;

/** The paper's published tables hold plain numbers (no NaN). */
export const PublishedMetricsSchema = z.object({
  answer_acc: z.number(),
  attribute_f1: z.number(),
  value_f1: z.number(),
  relative_value_acc: z.number(),
});

export const JudgeScoresSchema = z.object({
  Conciseness: z.number(),
  Personalization: z.number(),
  'Analysis Quality': z.number(),
  'Answer Accuracy': z.number(),
  Total: z.number(),
});
export type JudgeScores = z.infer<typeof JudgeScoresSchema>;

const count = z.number().int().nonnegative();

export const PredictionRecordSchema = z.object({
  /** Dataset item `index` (unique per task, see item-id.ts) and its 1-based line in the data file. */
  index: z.number().int(),
  line: z.number().int().positive().optional(),
  task: z.enum(TASKS),
  pathway: z.enum(PATHWAY_IDS),
  prompt: z.string(),
  response: z.string(),
  /** What the scorer extracted: attribute pairs, analysis and answer (parsed per task). */
  extracted: z.object({
    attributes: z.record(z.string(), z.string()),
    analysis: z.string(),
    answer: z.union([z.string(), z.array(z.string())]),
  }),
  /** Parts of the response no extraction rule matched (they score as empty strings). */
  missing: z.array(z.enum(RESPONSE_PARTS)),
  /** ok: analysis and answer found; partial: one of them; failed: neither. */
  parse_status: z.enum(PARSE_STATUSES),
  metrics: ItemMetricsSchema,
  prompt_tokens: count,
  completion_tokens: count,
  cached_tokens: count,
  finish_reason: z.enum(['stop', 'length', 'abort', 'error']),
  latency_ms: z.number().nonnegative(),
  error: z.string().optional(),
  /** The server that answered (--backend openai); endpoints.ts counts each server's share from it. */
  endpoint: z.string().optional(),
});
export type PredictionRecord = z.output<typeof PredictionRecordSchema>;

export const JudgeRecordSchema = z
  .object({
    index: z.number().int(),
    line: z.number().int().positive().optional(),
    judge_model: z.string(),
    task: z.enum(TASKS),
    pathway: z.enum(PATHWAY_IDS),
    prompt: z.string(),
    output: z.string(),
    scores: JudgeScoresSchema.partial(),
    /** The parser's verdict (scorers/judge.ts), or `error` when the judge model failed. */
    status: z.enum(JUDGE_OUTCOMES),
    problems: z.array(z.string()),
    /** The judge's reply: its length and time, and the server that gave it (--backend openai); run.json's judge.endpoints counts from these. Absent in records written before them. */
    completion_tokens: count.optional(),
    latency_ms: z.number().nonnegative().optional(),
    endpoint: z.string().optional(),
  })
  .refine((r) => isJudgeFailure(r.status) || typeof r.scores.Total === 'number', {
    message: 'a usable verdict (ok or partial) needs scores.Total',
    path: ['scores', 'Total'],
  });
export type JudgeRecord = z.output<typeof JudgeRecordSchema>;

/**
 * A 95% percentile-bootstrap interval of a mean (bootstrap.ts: method, resample count, seed);
 * null where there is none (fewer than 2 items, or the official NaN among them).
 */
export const IntervalSchema = z.tuple([z.number(), z.number()]).nullable();

/** Intervals of the four metric means. */
const MetricIntervalsSchema = z.object({
  answer_acc: IntervalSchema,
  attribute_f1: IntervalSchema,
  value_f1: IntervalSchema,
  relative_value_acc: IntervalSchema,
});
export type MetricIntervals = z.output<typeof MetricIntervalsSchema>;

const ParseCountsSchema = z.object({
  status: z.object({ ok: count, partial: count, failed: count }),
  missing: z.object({ attributes: count, analysis: count, answer: count }),
});

export const TaskMetricsSchema = z.object({
  count,
  /** The official aggregate: SUM over the task's items, rounded to 2 decimals (null: NaN). */
  sum: ItemMetricsSchema,
  mean: ItemMetricsSchema,
  /**
   * Beside each mean: its 95% bootstrap interval and n, the items it is over. reduce() always
   * writes them; metrics.json of older runs lacks them (readers recompute from the logs).
   */
  ci95: MetricIntervalsSchema.optional(),
  n: count.optional(),
  /** Items whose answer accuracy is the official NaN. */
  nan: count,
  parse: ParseCountsSchema,
});
export type TaskMetrics = z.output<typeof TaskMetricsSchema>;

const JudgeGroupSchema = z.object({
  judged: count,
  /** Replies with a usable Total, the ones the means are over. */
  count,
  /** Replies without a usable Total: counted, never averaged in. */
  failures: count,
  /** A score no usable reply had is absent. */
  mean: JudgeScoresSchema.partial(),
  /** Per score: the 95% bootstrap interval of its mean and n, the usable replies that have it (a partial reply may lack a criterion). */
  ci95: z.partialRecord(z.enum(JUDGE_SCORE_NAMES), IntervalSchema).optional(),
  n: z.partialRecord(z.enum(JUDGE_SCORE_NAMES), count).optional(),
});
export type JudgeGroupMetrics = z.output<typeof JudgeGroupSchema>;

export const PathwayMetricsSchema = z.object({
  tasks: z.record(z.string(), TaskMetricsSchema),
  overall: z.object({
    count,
    nan: count,
    /** Mean over all items. */
    mean: ItemMetricsSchema,
    /** Mean of the task means. */
    task_mean: ItemMetricsSchema,
    /** Intervals of `mean` and `task_mean` (resampled within each task), and n, the items behind both. */
    ci95: MetricIntervalsSchema.optional(),
    task_mean_ci95: MetricIntervalsSchema.optional(),
    n: count.optional(),
    parse: ParseCountsSchema,
  }),
  /** Pearson r of attribute F1 vs relative value accuracy (null when undefined). */
  atf_rva_pearson: z.object({ across_items: z.number().nullable(), across_tasks: z.number().nullable() }),
  judge: z
    .object({
      tasks: z.record(z.string(), JudgeGroupSchema),
      overall: JudgeGroupSchema,
      /** Item ids (item-id.ts) of the failed replies. */
      failed_items: z.array(z.string()),
    })
    .optional(),
});
export type PathwayMetrics = z.output<typeof PathwayMetricsSchema>;

export const MetricsRecordSchema = z.object({
  version: z.literal(RUN_FORMAT_VERSION),
  /** Keyed by pathway id, in the run's pathway order. */
  pathways: z.record(z.string(), PathwayMetricsSchema),
});
export type MetricsRecord = z.output<typeof MetricsRecordSchema>;

export const JUDGE_SAMPLES = ['every-10th', 'all'] as const;
export type JudgeSample = (typeof JUDGE_SAMPLES)[number];

export const RunSpecSchema = z.object({
  model: z.string(),
  /** `sha256:<hex>` of the ONNX graph and its external data (in-process backends). */
  model_revision: z.string().optional(),
  /** The weights' dtype as resolved (in-process backends). */
  dtype: z.string().optional(),
  /** In-process engines: `exact` (tokens identical to transformers.js) or `fast` (int8 products). */
  numerics: z.enum(['exact', 'fast']).optional(),
  backend: z.string(),
  pathways: z.array(z.enum(PATHWAY_IDS)).min(1),
  data_file: z.string(),
  data_sha256: z.string(),
  per_task: z.number().int().positive().nullable(),
  /** Output limit per pathway. */
  max_new_tokens: z.partialRecord(z.enum(PATHWAY_IDS), z.number().int().positive()),
  sampling: z.object({ temperature: z.number(), top_p: z.number().optional(), seed: z.number().optional() }),
  prompt_mode: z.enum(['chat', 'raw']),
  /** Per pathway, sha256 of its template and the protocol tables it fills in (bench/run/provenance.ts). */
  pathway_templates: z.partialRecord(z.enum(PATHWAY_IDS), z.string()).optional(),
});
export type RunSpec = z.output<typeof RunSpecSchema>;

export const RunStatsSchema = z.object({
  items_total: count,
  items_done: count,
  prompt_tokens: count,
  completion_tokens: count,
  cached_tokens: count,
  generation_seconds: z.number().nonnegative(),
  tokens_per_second: z.number().nonnegative(),
});
export type RunStats = z.output<typeof RunStatsSchema>;

/**
 * One server of a run on --backend openai, over all its sessions: requests, completion
 * tokens and latencies recomputed from predictions.jsonl; time and failures summed over the
 * sessions (the records do not hold them).
 */
export const EndpointStatsRecordSchema = z.object({
  url: z.string(),
  /** Predictions it answered. */
  requests: count,
  completion_tokens: count,
  /** Wall time with at least one request in flight there. */
  busy_seconds: z.number().nonnegative(),
  output_tokens_per_second: z.number().nonnegative(),
  latency_ms: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
  /** Failed attempts there that were sent again. */
  retries: count,
  /** Failed attempts by cause; rejected: the server refused the item (4xx), recorded as its error. */
  errors: z.object({ rate_limited: count, server: count, timeout: count, connection: count, rejected: count }),
  /** Requests in flight there when it went into cooldown, moved back to the queue. */
  requeued: count,
  cooldowns: count,
});
export type EndpointStatsRecord = z.output<typeof EndpointStatsRecordSchema>;

export const RunRecordSchema = z.object({
  version: z.literal(RUN_FORMAT_VERSION),
  status: z.enum(['started', 'success', 'cancelled', 'error']),
  /** Settings that define the generations; a rerun with different ones is refused without --force. */
  spec: RunSpecSchema,
  /** The judge that wrote judge.jsonl; judging again with another one starts judge.jsonl over. */
  judge: z
    .object({
      model: z.string(),
      sample: z.enum(JUDGE_SAMPLES),
      revision: z.string().optional(),
      /** Remote judge backends: what each server did over all judge sessions (endpoints.ts), as `endpoints` is for the generations. */
      endpoints: z.array(EndpointStatsRecordSchema).optional(),
    })
    .optional(),
  environment: z.object({
    engine: z.string(),
    device: z.string(),
    packages: z.record(z.string(), z.string()),
    git_rev: z.string().optional(),
    node: z.string(),
    platform: z.string(),
    /** The command that last wrote the run (a resume may differ from the start in flags that do not change results). */
    command_line: z.string().optional(),
  }),
  started_at: z.string(),
  finished_at: z.string().optional(),
  stats: RunStatsSchema,
  /** Remote backends: what each server did over all sessions of the run (endpoints.ts). */
  endpoints: z.array(EndpointStatsRecordSchema).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type RunRecord = z.output<typeof RunRecordSchema>;
