import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ZodType } from 'zod';
import { IpdError } from '../../common';

/** The files of a run directory (bench/runlog/schema.ts describes each). */
export function runFiles(dir: string) {
  return {
    dir,
    run: path.join(dir, 'run.json'),
    predictions: path.join(dir, 'predictions.jsonl'),
    metrics: path.join(dir, 'metrics.json'),
    judge: path.join(dir, 'judge.jsonl'),
    report: path.join(dir, 'report.html'),
  };
}
export type RunFiles = ReturnType<typeof runFiles>;

export { writeJsonAtomic } from '../atomic-write';

export async function readJsonFile<T>(file: string, schema: ZodType<T>): Promise<T | undefined> {
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new IpdError('RUN_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, { file, hint: 'restore it or start over with --force' });
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new IpdError('RUN_INVALID', `${file}: ${issue.path.join('.')}: ${issue.message}`, { file, field: issue.path.join('.'), hint: 'restore it or start over with --force' });
  }
  return r.data;
}
