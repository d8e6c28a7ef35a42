// Node-only entry of bench/runlog/: the one reader and writer of run folders. `run`, `judge`,
// `score --run`, `report` and `compare` go through these; the browser app builds the same
// records with ./index.ts and downloads them.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { IpdError } from '../../common';
import { writeFileAtomic, writeJsonAtomic } from '../atomic-write';
import { JsonlAppender, readJsonl } from '../jsonl-log';
import { sha256Hex } from './hash';
import { RUN_FILES, type RunFileName } from './layout';
import { migrate, type RawLine, type RunLog } from './migrate';
import { latestPerItem, reduce } from './reduce';
import { MetricsRecordSchema, RUN_FORMAT_VERSION, type MetricsRecord, type RunRecord } from './schema';
import { parseJson } from './validate';

export type RunPaths = Record<RunFileName, string> & { dir: string };

export function runPaths(dir: string): RunPaths {
  const files = Object.fromEntries(Object.entries(RUN_FILES).map(([k, name]) => [k, path.join(dir, name)])) as Record<RunFileName, string>;
  return { dir, ...files };
}

export interface LoadedRunLog extends RunLog {
  dir: string;
  /** reduce() of the records: what metrics.json holds once the run has written it last. */
  metrics: MetricsRecord;
  /** metrics.json as it is on disk (absent, unreadable or of an older format: undefined). */
  storedMetrics?: MetricsRecord;
}

/**
 * Reads a run folder: run.json, predictions.jsonl and judge.jsonl validated (errors name the
 * file, line and field) and migrated to the current format. A torn last line (a run still
 * writing, or killed mid-line) and repeated (pathway, item) records (the last one counts)
 * become notes, not errors.
 */
export async function readRun(dir: string): Promise<LoadedRunLog> {
  const paths = runPaths(dir);
  if (!existsSync(paths.run)) {
    throw new IpdError('RUN_INVALID', `${dir} is not a run directory (no ${RUN_FILES.run})`, { file: paths.run, hint: 'pass the --out folder of `ipdialog run`' });
  }
  const notes: string[] = [];
  const lines = (file: string): RawLine[] => {
    const { records, lines: at, tornBytes } = readJsonl(file);
    if (tornBytes > 0) notes.push(`${path.basename(file)} ends in an unfinished line (${tornBytes} bytes), left out`);
    return records.map((value, i) => ({ value, line: at[i] }));
  };
  const raw = {
    run: parseJson(await readFile(paths.run, 'utf8'), { file: paths.run }),
    predictions: lines(paths.predictions),
    judge: lines(paths.judge),
    files: { run: paths.run, predictions: paths.predictions, judge: paths.judge },
  };
  const log = migrate(raw);
  notes.push(...log.notes);
  const predictions = latestPerItem(log.predictions);
  if (predictions.replaced > 0) notes.push(`${RUN_FILES.predictions} repeats ${predictions.replaced} (pathway, item) record(s); the last line of each counts`);
  const judge = latestPerItem(log.judge);
  if (judge.replaced > 0) notes.push(`${RUN_FILES.judge} repeats ${judge.replaced} (pathway, item) record(s); the last line of each counts`);
  const metrics = reduce({ predictions: predictions.records, judge: judge.records, pathways: log.run.spec.pathways });
  const storedMetrics = await readStoredMetrics(paths.metrics, notes);
  const stored = storedMetrics ? countItems(storedMetrics) : undefined;
  if (stored !== undefined && stored !== countItems(metrics)) {
    notes.push(`${RUN_FILES.metrics} counts ${stored} item(s), the logs ${countItems(metrics)}: it predates the last records; the report shows all of them`);
  }
  return { ...log, dir, predictions: predictions.records, judge: judge.records, metrics, ...(storedMetrics && { storedMetrics }), notes };
}

const countItems = (m: MetricsRecord) => Object.values(m.pathways).reduce((n, p) => n + p.overall.count, 0);

/** metrics.json is derived (reduce() of the logs): one that is missing, stale or unreadable is noted and recomputed. */
async function readStoredMetrics(file: string, notes: string[]): Promise<MetricsRecord | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    const res = MetricsRecordSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (res.success) return res.data;
  } catch {
    // not JSON: noted below like a schema mismatch
  }
  notes.push(`${RUN_FILES.metrics} is not in run format ${RUN_FORMAT_VERSION} (older or damaged): its numbers were recomputed from the logs`);
  return undefined;
}

/**
 * A run folder about to be written to: undefined when it holds no run yet; otherwise the run,
 * with files of an older format rewritten in the current one first (so appends never mix
 * formats). Predictions without a run.json are refused: they belong to something else.
 */
export async function openRunForUpdate(dir: string): Promise<LoadedRunLog | undefined> {
  const paths = runPaths(dir);
  if (!existsSync(paths.run)) {
    if (existsSync(paths.predictions)) {
      throw new IpdError('RUN_INVALID', `${paths.predictions} exists but ${paths.run} does not`, { file: dir, hint: 'use another --out, or --force to start over' });
    }
    return undefined;
  }
  const log = await readRun(dir);
  if (log.fromVersion < RUN_FORMAT_VERSION) {
    writeRecords(paths.predictions, log.predictions);
    if (log.judge.length > 0) writeRecords(paths.judge, log.judge);
    writeRunRecord(dir, log.run);
    await rm(paths.metrics, { force: true });
  }
  return log;
}

export function writeRunRecord(dir: string, run: RunRecord): void {
  writeJsonAtomic(runPaths(dir).run, run);
}

export function writeMetrics(dir: string, metrics: MetricsRecord): void {
  writeJsonAtomic(runPaths(dir).metrics, metrics);
}

/** Replaces a JSONL log as a whole (re-scoring, format upgrades); NaN metrics are written as null. */
export function writeRecords(file: string, records: readonly unknown[]): void {
  writeFileAtomic(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** Durable appends to predictions.jsonl or judge.jsonl (a torn tail from a crash is cut first). */
export function openLog(dir: string, log: 'predictions' | 'judge'): JsonlAppender {
  return new JsonlAppender(runPaths(dir)[log]);
}

/** Removes a run's files (`--force`), and nothing else in the folder. */
export async function clearRun(dir: string): Promise<void> {
  for (const file of Object.values(RUN_FILES)) await rm(path.join(dir, file), { force: true });
}

export async function fileSha256(file: string): Promise<string> {
  return sha256Hex(await readFile(file));
}
