// Validation of run-folder content against the schemas, with errors that name the file, the
// line and the field. Browser-safe: it works on parsed JSON, not on files.
import type { z } from 'zod';
import { IpdError } from '../../common';

export interface Where {
  file: string;
  /** 1-based line of a JSONL record. */
  line?: number;
}

const HINT = 'the file does not follow the run format (bench/runlog/schema.ts); restore it, or start the run over with --force';

export function parseRecord<S extends z.ZodType>(schema: S, value: unknown, where: Where): z.output<S> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const field = issue.path.map(String).join('.') || '(root)';
  const at = where.line === undefined ? where.file : `${where.file} line ${where.line}`;
  throw new IpdError('RUN_INVALID', `${at}: ${field}: ${issue.message}`, { file: where.file, ...(where.line !== undefined && { line: where.line }), field, hint: HINT });
}

export function parseJson(text: string, where: Where): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = where.line === undefined ? where.file : `${where.file} line ${where.line}`;
    throw new IpdError('RUN_INVALID', `${at} is not valid JSON: ${(err as Error).message}`, { file: where.file, ...(where.line !== undefined && { line: where.line }), hint: HINT, cause: err });
  }
}
