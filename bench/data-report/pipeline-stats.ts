/**
 * The pipeline's own account of a generated set, from `ipdialog datagen`'s stats.json
 * (bench/datagen/run.ts, DatagenStats): per step how many units passed, failed to parse or
 * were dropped and why, and for the histories step the exam pass rate, the regenerations
 * and the consistency failures.
 */
import { z } from 'zod';
import { IpdError } from '../../common';
import { zodProblems } from '../../pathways';

const count = z.number().int().nonnegative();
const StepStatsSchema = z.object({
  units: count,
  generated: count,
  parsed: count,
  parseFailures: count,
  passed: count,
  dropped: count,
  dropReasons: z.record(z.string(), count),
  outputs: count,
  counters: z.record(z.string(), count),
});
/** The parts of DatagenStats the report reads; other fields may come and go. */
const DatagenStatsSchema = z.object({
  finished: z.boolean().optional(),
  model: z.string().optional(),
  steps: z.record(z.string(), StepStatsSchema),
  dedup: z.object({ method: z.string(), model: z.string().optional(), threshold: z.number(), duplicates: count }).optional(),
  items: z.object({ dataset: count, train: count, test: count }).partial().optional(),
});

export interface StepFigures {
  step: string;
  units: number;
  model_calls: number;
  parsed: number;
  parse_failures: number;
  passed: number;
  dropped: number;
  /** passed / units; null for a step without units */
  pass_rate: number | null;
  /** dropped / units */
  drop_rate: number | null;
  /** parse_failures / model_calls */
  parse_failure_rate: number | null;
  drop_reasons: Record<string, number>;
  counters: Record<string, number>;
}

export interface PipelineFigures {
  file: string;
  model: string | null;
  finished: boolean | null;
  steps: StepFigures[];
  /** the histories step in the paper's terms; null when stats.json has no such step */
  histories: {
    /** rounds put to the exam ("can the attribute be inferred implicitly?") */
    exams: number;
    exams_passed: number;
    exam_pass_rate: number | null;
    /** rounds rewritten from scratch after failed exams */
    regenerations: number;
    /** rounds improved after failed exams */
    improvements: number;
    consistency_checks: number;
    /** sets dropped because a round contradicted the set, or the verdict did not parse */
    consistency_failures: number;
    /** sets dropped because a round never passed its exam */
    exam_failures: number;
    sets: number;
    sets_dropped: number;
  } | null;
  dedup: { method: string; threshold: number; duplicates: number } | null;
  items: { dataset?: number; train?: number; test?: number } | null;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** Reads and checks stats.json text; `file` names it in errors. */
export function pipelineFigures(text: string, file: string): PipelineFigures {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new IpdError('INPUT_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, { file, hint: 'pass the stats.json that `ipdialog datagen` wrote' });
  }
  const parsed = DatagenStatsSchema.safeParse(json);
  if (!parsed.success) {
    const problems = zodProblems(json, parsed.error.issues, 1);
    throw new IpdError('INPUT_INVALID', `${file} is not a datagen stats.json:\n${problems.map((p) => `${p.field}: ${p.problem}`).join('\n')}`, {
      file,
      field: problems[0].field,
      hint: 'pass the stats.json that `ipdialog datagen` wrote',
    });
  }
  const stats = parsed.data;
  const steps = Object.entries(stats.steps).map(([step, s]) => ({
    step,
    units: s.units,
    model_calls: s.generated,
    parsed: s.parsed,
    parse_failures: s.parseFailures,
    passed: s.passed,
    dropped: s.dropped,
    pass_rate: ratio(s.passed, s.units),
    drop_rate: ratio(s.dropped, s.units),
    parse_failure_rate: ratio(s.parseFailures, s.generated),
    drop_reasons: s.dropReasons,
    counters: s.counters,
  }));
  const h = stats.steps.histories;
  const c = (name: string) => h?.counters[name] ?? 0;
  const reason = (name: string) => h?.dropReasons[name] ?? 0;
  return {
    file,
    model: stats.model ?? null,
    finished: stats.finished ?? null,
    steps,
    histories: h
      ? {
          exams: c('exam'),
          exams_passed: c('exam_passed'),
          exam_pass_rate: ratio(c('exam_passed'), c('exam')),
          regenerations: c('regenerate'),
          improvements: c('improve'),
          consistency_checks: c('consistency'),
          consistency_failures: reason('inconsistent') + reason('consistency_unparsed'),
          exam_failures: reason('exam_failed'),
          sets: h.units,
          sets_dropped: h.dropped,
        }
      : null,
    dedup: stats.dedup ? { method: stats.dedup.method, threshold: stats.dedup.threshold, duplicates: stats.dedup.duplicates } : null,
    items: stats.items ?? null,
  };
}
