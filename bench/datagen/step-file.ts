/**
 * One step's intermediate file: a JSONL line per finished unit (UnitOutcome), appended
 * durably as units finish, so a killed run resumes at the first unfinished unit.
 */
import type { z } from 'zod';
import { IpdError } from '../../common';
import { UnitOutcomeSchema, type UnitOutcome } from '../../pathways';
import { JsonlAppender, readJsonl } from '../jsonl-log';

/**
 * Finished outcomes by key; every line and every output is checked against the schemas.
 * The records are kept as written: zod's output would reorder object keys (the user's
 * attribute group), and prompts render that order.
 */
export function readStepFile<O>(file: string, outputSchema: z.ZodType<O>): Map<string, UnitOutcome<O>> {
  const done = new Map<string, UnitOutcome<O>>();
  readJsonl<unknown>(file).records.forEach((rec, i) => {
    const line = i + 1;
    const r = UnitOutcomeSchema.safeParse(rec);
    if (!r.success) throw invalid(file, line, r.error.issues[0]);
    const outputs = r.data.outputs.map((o, j) => {
      const p = outputSchema.safeParse(o);
      if (!p.success) throw invalid(file, line, { ...p.error.issues[0], path: ['outputs', j, ...p.error.issues[0].path] });
      return o as O;
    });
    done.set(r.data.key, { ...r.data, outputs });
  });
  return done;
}

function invalid(file: string, line: number, issue: { path: PropertyKey[]; message: string }): IpdError {
  const field = issue.path.map(String).join('.');
  return new IpdError('RUN_INVALID', `${file} line ${line}: ${field || '(line)'}: ${issue.message}`, {
    file,
    line,
    field,
    hint: 'the step file was edited or written by another version; delete it to redo the step',
  });
}

export function openStepAppender(file: string): JsonlAppender {
  return new JsonlAppender(file);
}
