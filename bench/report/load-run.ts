// Reads a run directory for the report. Reports only read, so a run that is still going
// (torn last line, no metrics.json yet) loads with notes instead of failing.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { IpdError } from '../../common';
import { readDataset } from '../../pathways/node';
import { readJsonl } from '../jsonl-log';
import {
  JudgeRecordSchema,
  MetricsRecordSchema,
  PredictionRecordSchema,
  RunRecordSchema,
  type JudgeRecord,
  type MetricsRecord,
  type PredictionRecord,
  type RunRecord,
} from '../runlog/schema';
import { itemKey } from './names';
import type { GtRecord, LoadedRun } from './types';
import { gtRecord } from '../runlog/records';

export const RUN_FILES = {
  run: 'run.json',
  predictions: 'predictions.jsonl',
  metrics: 'metrics.json',
  judge: 'judge.jsonl',
  report: 'report.html',
} as const;

export async function loadRun(dir: string): Promise<LoadedRun> {
  const runFile = path.join(dir, RUN_FILES.run);
  if (!existsSync(runFile)) {
    throw new IpdError('RUN_INVALID', `${dir} is not a run directory (no ${RUN_FILES.run})`, {
      file: runFile,
      hint: 'pass the --out folder of `ipdialog run`',
    });
  }
  const notes: string[] = [];
  const run: RunRecord = validate(RunRecordSchema, await readJson(runFile), runFile);
  const predictions = readRecords(path.join(dir, RUN_FILES.predictions), PredictionRecordSchema, notes);
  const metricsFile = path.join(dir, RUN_FILES.metrics);
  const metrics: MetricsRecord | undefined = existsSync(metricsFile) ? validate(MetricsRecordSchema, await readJson(metricsFile), metricsFile) : undefined;
  if (!metrics && predictions.length > 0) notes.push(`no ${RUN_FILES.metrics} yet: aggregates were recomputed from ${RUN_FILES.predictions}`);
  const judge: JudgeRecord[] = readRecords(path.join(dir, RUN_FILES.judge), JudgeRecordSchema, notes);
  const gt = await readGroundTruth(dir, run, predictions, notes);
  return { dir, run, predictions, ...(metrics && { metrics }), judge, ...(gt && { gt }), notes };
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new IpdError('RUN_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, { file, cause: err });
  }
}

function validate<S extends z.ZodType>(schema: S, json: unknown, file: string, line?: number): z.output<S> {
  const res = schema.safeParse(json);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const field = issue.path.join('.') || '(root)';
  const where = line === undefined ? file : `${file} line ${line}`;
  throw new IpdError('RUN_INVALID', `${where}: ${field}: ${issue.message}`, {
    file,
    ...(line !== undefined && { line }),
    field,
    hint: 'the file does not follow bench/runlog/schema.ts',
  });
}

/** JSONL records validated line by line; a torn tail (a run still writing) is noted, not fatal. */
function readRecords<S extends z.ZodType>(file: string, schema: S, notes: string[]): z.output<S>[] {
  const { records, tornBytes } = readJsonl(file);
  if (tornBytes > 0) notes.push(`${path.basename(file)} ends in an unfinished line (${tornBytes} bytes), left out`);
  return records.map((rec, i) => validate(schema, rec, file, i + 1));
}

/**
 * The GT of the predicted items from spec.data_file, tried as given (absolute, or relative
 * to the working directory) and then relative to the run folder. Without it the sample
 * browser shows what the predictions hold.
 */
async function readGroundTruth(
  dir: string,
  run: RunRecord,
  predictions: readonly PredictionRecord[],
  notes: string[],
): Promise<Record<string, GtRecord> | undefined> {
  const candidates = [path.resolve(run.spec.data_file), path.resolve(dir, run.spec.data_file)];
  const file = candidates.find((f) => existsSync(f));
  if (!file) {
    notes.push(`dataset ${run.spec.data_file} not found: the sample browser shows no ground truth`);
    return undefined;
  }
  const bytes = await readFile(file);
  if (createHash('sha256').update(bytes).digest('hex') !== run.spec.data_sha256) {
    notes.push(`dataset ${file} differs from the one the run used (sha256 mismatch): its ground truth may not match`);
  }
  let dataset: Awaited<ReturnType<typeof readDataset>>;
  try {
    dataset = await readDataset(file, { skipInvalid: true });
  } catch (err) {
    // The report is a viewer: a dataset it cannot read costs the GT column, not the report.
    notes.push(`dataset ${file} could not be read (${IpdError.from(err).message}): the sample browser shows no ground truth`);
    return undefined;
  }
  if (dataset.skipped.length > 0) notes.push(`dataset ${file}: ${new Set(dataset.skipped.map((s) => s.line)).size} invalid line(s) skipped`);
  const wanted = new Set(predictions.map((p) => itemKey(p.task, p.index)));
  const gt: Record<string, GtRecord> = {};
  for (const { item } of dataset.items) {
    const key = itemKey(item.task, item.index);
    if (!wanted.has(key)) continue;
    gt[key] = gtRecord(item);
  }
  return gt;
}
