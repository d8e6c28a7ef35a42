// migrate(): reads a run folder's records in any format version this code knows and returns
// them in the current one. Each older version has its frozen schema (schema-v<N>.ts) and one
// step to the next version; the result is validated against the current schemas. Browser-safe:
// it takes parsed JSON (node.ts reads the files).
import type { z } from 'zod';
import { IpdError } from '../../common';
import { PATHWAY_IDS } from '../../pathways';
import { parseStatusOf } from '../../scorers';
import { JudgeRecordSchema, PredictionRecordSchema, RUN_FORMAT_VERSION, RunRecordSchema, type JudgeRecord, type PredictionRecord, type RunRecord } from './schema';
import { JudgeRecordV1Schema, PredictionRecordV1Schema, RunRecordV1Schema, type JudgeRecordV1, type PredictionRecordV1, type RunRecordV1 } from './schema-v1';
import { parseRecord } from './validate';

export interface RawLine {
  value: unknown;
  /** 1-based line in its file, for error messages. */
  line: number;
}

/** A run folder's records as parsed JSON, with the file names errors should name. */
export interface RawRunLog {
  run: unknown;
  predictions: readonly RawLine[];
  judge: readonly RawLine[];
  files: { run: string; predictions: string; judge: string };
}

export interface RunLog {
  run: RunRecord;
  predictions: PredictionRecord[];
  judge: JudgeRecord[];
  /** The version the records were written in. */
  fromVersion: number;
  /** What a migration could not carry over exactly, for readers of the report. */
  notes: string[];
}

/** One format version's records, validated against that version's schemas (values, with their lines). */
interface Versioned<R, P, J> {
  run: R;
  predictions: Array<{ value: P; line: number }>;
  judge: Array<{ value: J; line: number }>;
  notes: string[];
}

export function migrate(raw: RawRunLog): RunLog {
  const version = formatVersion(raw.run, raw.files.run);
  let current: Versioned<unknown, unknown, unknown>;
  if (version === 1) current = v1ToV2(readVersion(raw, V1));
  else current = { run: raw.run, predictions: [...raw.predictions], judge: [...raw.judge], notes: [] };
  // The current schemas check what the steps produced as strictly as what was written.
  return {
    run: parseRecord(RunRecordSchema, current.run, { file: raw.files.run }),
    predictions: current.predictions.map((r) => parseRecord(PredictionRecordSchema, r.value, { file: raw.files.predictions, line: r.line })),
    judge: current.judge.map((r) => parseRecord(JudgeRecordSchema, r.value, { file: raw.files.judge, line: r.line })),
    fromVersion: version,
    notes: current.notes,
  };
}

function formatVersion(run: unknown, file: string): number {
  const version = typeof run === 'object' && run !== null ? (run as { version?: unknown }).version : undefined;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new IpdError('RUN_INVALID', `${file}: version: expected the run format version (1 to ${RUN_FORMAT_VERSION}), got ${JSON.stringify(version)}`, {
      file,
      field: 'version',
      hint: 'this is not a run.json written by ipdialog run or the browser app',
    });
  }
  if (version > RUN_FORMAT_VERSION) {
    throw new IpdError('RUN_INVALID', `${file} is in run format ${version}; this ip-dialog reads formats 1 to ${RUN_FORMAT_VERSION}`, {
      file,
      field: 'version',
      hint: 'update ip-dialog to read this run',
    });
  }
  return version;
}

interface VersionSchemas<R, P, J> {
  run: z.ZodType<R>;
  prediction: z.ZodType<P>;
  judge: z.ZodType<J>;
}

const V1: VersionSchemas<RunRecordV1, PredictionRecordV1, JudgeRecordV1> = { run: RunRecordV1Schema, prediction: PredictionRecordV1Schema, judge: JudgeRecordV1Schema };

function readVersion<R, P, J>(raw: RawRunLog, schemas: VersionSchemas<R, P, J>): Versioned<R, P, J> {
  return {
    run: parseRecord(schemas.run, raw.run, { file: raw.files.run }),
    predictions: raw.predictions.map((r) => ({ value: parseRecord(schemas.prediction, r.value, { file: raw.files.predictions, line: r.line }), line: r.line })),
    judge: raw.judge.map((r) => ({ value: parseRecord(schemas.judge, r.value, { file: raw.files.judge, line: r.line }), line: r.line })),
    notes: [],
  };
}

/**
 * Version 1 -> 2:
 * - predictions gain `parse_status`, derived from `missing` by the scorer's own rule (parseStatusOf);
 * - version 1 wrote the official NaN answer accuracy as 0, which cannot be told apart from a
 *   real 0 now: noted; `ipdialog score --run DIR` re-scores and writes the official values;
 * - `spec.judge` moves to the top-level `judge` (a resumed run no longer drops it);
 * - `spec.max_new_tokens` is keyed by pathway (the browser app keyed it by task, one value);
 * - judge records name their judge model (from run.json's judge where a line lacked it).
 */
function v1ToV2(v1: Versioned<RunRecordV1, PredictionRecordV1, JudgeRecordV1>): Versioned<unknown, unknown, unknown> {
  const notes = [...v1.notes, 'written in run format 1, which stored the official NaN answer accuracy as 0: `ipdialog score --run DIR` re-scores it'];
  const { judge: judgeSpec, max_new_tokens: maxNew, ...spec } = v1.run.spec;
  const byPathway = Object.keys(maxNew).every((k) => (PATHWAY_IDS as readonly string[]).includes(k));
  const limit = Math.max(...Object.values(maxNew));
  const run = {
    ...v1.run,
    version: 2,
    spec: { ...spec, max_new_tokens: byPathway ? maxNew : Object.fromEntries(spec.pathways.map((p) => [p, limit])) },
    ...(judgeSpec && { judge: judgeSpec }),
  };
  const predictions = v1.predictions.map(({ value: p, line }) => ({ value: { ...p, parse_status: parseStatusOf(p.missing) }, line }));
  const judge = v1.judge.map(({ value: j, line }) => ({ value: { ...j, judge_model: j.judge_model ?? judgeSpec?.model ?? 'unknown' }, line }));
  return { run, predictions, judge, notes };
}
