// Plain-data shapes of the report: what it is built from and what the page embeds.
import type { ItemMetrics, JudgeRecord, JudgeScores, MetricName, MetricsRecord, PathwayMetrics, PredictionRecord, RunComparison, RunRecord, TaskMetrics } from '../runlog';

/** The ground truth of one dataset item, as the sample browser shows it. */
export interface GtRecord {
  index: number;
  task: string;
  request: string;
  analysis: string;
  answer: string | string[];
  related_attributes: Record<string, string>;
}

/** A run as the report needs it: bench/runlog's records and their reduce(), plus ground truth. */
export interface LoadedRun {
  dir: string;
  run: RunRecord;
  /** One record per (pathway, item), in file order. */
  predictions: PredictionRecord[];
  /** reduce() of the records. */
  metrics: MetricsRecord;
  judge: JudgeRecord[];
  /** Ground truth keyed by itemId, from spec.data_file when it could be read. */
  gt?: Record<string, GtRecord>;
  /** Things a reader of the report should know (torn lines, duplicates, a changed dataset). */
  notes: string[];
}

/** The paper's published aggregates (../shared/ipdialog). */
export interface ReferenceData {
  /** dataset id -> model -> task -> per-task SUMS over 100 items. */
  metrics: Record<string, Record<string, Record<string, ItemMetrics>>>;
  /** dataset id -> model -> task -> per-task judge means; absent without gpt4o_eval_new.json. */
  judge?: Record<string, Record<string, Record<string, JudgeScores>>>;
}

export interface ReportOptions {
  title?: string;
  reference?: ReferenceData;
  /** Reference models to show; default DEFAULT_REFERENCE_MODELS (those present). */
  models?: readonly string[];
  /** Leave prompts out of the page (they are most of its size on full runs). */
  omitPrompts?: boolean;
  /** Fixed timestamp for reproducible output (tests). */
  generatedAt?: string;
}

export interface RunSummary {
  id: string;
  label: string;
  dir: string;
  model: string;
  modelRevision?: string;
  backend: string;
  engine: string;
  device: string;
  status: RunRecord['status'];
  startedAt: string;
  finishedAt?: string;
  dataFile: string;
  perTask: number | null;
  promptMode: string;
  sampling: RunRecord['spec']['sampling'];
  judgeModel?: string;
  stats: RunRecord['stats'];
  error?: string;
  /** Per-endpoint figures of runs on several OpenAI-compatible servers. */
  endpoints?: RunRecord['endpoints'];
  /** The same for the judge's servers. */
  judgeEndpoints?: NonNullable<RunRecord['judge']>['endpoints'];
  manifest: RunManifest;
}

/**
 * What produced a run, as run.json records it, for the manifest at the top of every report.
 * A field the run did not record (older runs, remote backends) is absent.
 */
export interface RunManifest {
  model: string;
  /** sha256 of the ONNX file(s) the engine ran. */
  revision?: string;
  dtype?: string;
  device: string;
  /** Backend and engine description (a server's base URL for remote backends). */
  backend: string;
  engine: string;
  dataFile: string;
  dataSha256: string;
  perTask: number | null;
  /** Pathway -> sha256 of its template and tables. */
  pathwayTemplates?: Record<string, string>;
  judge?: string;
  judgeRevision?: string;
  /** The OpenAI-compatible servers that answered (runs over endpoints). */
  endpoints?: string[];
  /** The judge's servers (a judge over endpoints). */
  judgeEndpoints?: string[];
  /** Sampling, output limits and prompt mode in words. */
  generation: string;
  packages: Record<string, string>;
  node?: string;
  platform?: string;
  gitRev?: string;
  commandLine?: string;
}

/** The paired (or unpaired) comparison of one series with the baseline series of the same pathway. */
export interface ComparisonData extends RunComparison {
  /** Indexes into ReportData.series: the baseline (A) and the compared series (B); differences are B - A. */
  a: number;
  b: number;
}

/** One bar colour in every chart: a (run, pathway) pair. */
export interface SeriesData {
  id: string;
  label: string;
  runId: string;
  pathway: string;
  datasetId?: string;
  color: string;
  /** reduce()'s numbers for this pathway of this run. */
  tasks: Record<string, TaskMetrics>;
  overall: PathwayMetrics['overall'];
  /** Attribute F1 vs relative value accuracy across items. */
  pearson: number | null;
  judge?: PathwayMetrics['judge'];
  numItems: number;
  /** Items where extraction missed a part, and items that ended in an error. */
  numMissing: number;
  numErrors: number;
}

/** A row of the paper's tables, for the pathway one of our series ran. */
export interface ReferenceSeries {
  id: string;
  label: string;
  model: string;
  pathway: string;
  datasetId: string;
  color: string;
  /** Per-task SUMS over 100 items (equal to mean x 100). */
  tasks: Record<string, ItemMetrics>;
  overallMean: ItemMetrics;
  judge?: Record<string, JudgeScores>;
}

export interface ItemJudge {
  status: JudgeRecord['status'];
  /** No usable Total (scorers/judge.ts isJudgeFailure): not averaged in. */
  failed: boolean;
  scores: Partial<JudgeScores>;
  problems: string[];
  output: string;
}

/** One prediction in the sample browser; `series` indexes ReportData.series. */
export interface ItemRow {
  series: number;
  /** itemId: the key of `gt`. */
  id: string;
  index: number;
  task: string;
  /** The prompt as ids into ReportData.promptLines, joined with "\n"; empty when prompts are left out. */
  promptLineIds: number[];
  response: string;
  extracted: PredictionRecord['extracted'];
  missing: string[];
  metrics: ItemMetrics;
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  error?: string;
  judge?: ItemJudge;
}

/** Everything the page needs, embedded in it as JSON. */
export interface ReportData {
  /** 2: prompts as shared lines (promptLines, promptLineIds), manifests, comparisons. */
  version: 2;
  title: string;
  generatedAt: string;
  tasks: string[];
  metricNames: MetricName[];
  runs: RunSummary[];
  series: SeriesData[];
  reference: ReferenceSeries[];
  items: ItemRow[];
  /** The distinct prompt lines the items' promptLineIds point into. */
  promptLines: string[];
  /** Ground truth keyed by itemId. */
  gt: Record<string, GtRecord>;
  /** Several runs: each later run's series against the first run's series of the same pathway. */
  comparisons: ComparisonData[];
  notes: string[];
}
