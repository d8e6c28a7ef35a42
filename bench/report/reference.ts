// Reads the paper's published aggregates from a reference folder (../shared/ipdialog).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { IpdError } from '../../common';
import { JudgeScoresSchema, PublishedMetricsSchema } from '../runlog';
import type { ReferenceData } from './types';

export const REFERENCE_FILES = {
  metrics: 'all_datasets_all_models_metrics.json',
  judge: 'gpt4o_eval_new.json',
} as const;

const ReferenceMetricsSchema = z.record(z.string(), z.record(z.string(), z.record(z.string(), PublishedMetricsSchema)));
const ReferenceJudgeSchema = z.record(z.string(), z.record(z.string(), z.record(z.string(), JudgeScoresSchema)));

/** The metrics table is required; the judge table is optional (older copies lack it). */
export async function loadReference(dir: string): Promise<ReferenceData> {
  const metricsFile = path.join(dir, REFERENCE_FILES.metrics);
  if (!existsSync(metricsFile)) {
    throw new IpdError('DATA_NOT_FOUND', `no ${REFERENCE_FILES.metrics} in ${dir}`, {
      file: metricsFile,
      hint: 'pass --reference the folder holding the IP-Dialog reference files (e.g. ../shared/ipdialog)',
    });
  }
  const metrics = await readTable(metricsFile, ReferenceMetricsSchema);
  const judgeFile = path.join(dir, REFERENCE_FILES.judge);
  const judge = existsSync(judgeFile) ? await readJudgeTable(judgeFile) : undefined;
  return { metrics, ...(judge && { judge }) };
}

/** gpt4o_eval_new.json: dataset id -> model -> task -> the five GPT-4o-Score means. */
export function readJudgeTable(file: string): Promise<NonNullable<ReferenceData['judge']>> {
  if (!existsSync(file)) throw new IpdError('DATA_NOT_FOUND', `no ${REFERENCE_FILES.judge} at ${file}`, { file, hint: 'pass --reference the folder holding gpt4o_eval_new.json (e.g. ../shared/ipdialog)' });
  return readTable(file, ReferenceJudgeSchema);
}

async function readTable<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new IpdError('INPUT_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, { file, cause: err });
  }
  const res = schema.safeParse(json);
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = issue.path.join('.') || '(root)';
    throw new IpdError('INPUT_INVALID', `${file}: ${field}: ${issue.message}`, { file, field });
  }
  return res.data;
}
