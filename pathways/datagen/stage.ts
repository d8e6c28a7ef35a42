/**
 * The shape every generation step shares. A stage turns one input unit into a
 * UnitOutcome (its outputs, or the reason it was dropped, plus counts); `runStage` runs all
 * units of a step at once so the backend can batch them, and skips units already done.
 */
import type { GenerateFn } from '../../common';
import type { AnswerExtraction } from './answer';
import type { UnitOutcome } from './records';
import { hashSeed } from './rng';

export interface GenerationSettings {
  maxNewTokens: number;
  /** Sampling for generated text; judgments (exam, consistency) are always greedy. */
  temperature: number;
  topP: number;
  /** Base seed; every call derives its own from it and the unit's key. */
  seed: number;
}

export interface StageContext {
  generate: GenerateFn;
  settings: GenerationSettings;
  /** The scorers' response extraction (answers step only). */
  extraction?: AnswerExtraction;
}

export interface Stage<I, O> {
  readonly step: string;
  /** Stable name of a unit: a resumed run finds finished units by it. */
  key(input: I): string;
  run(input: I, ctx: StageContext): Promise<UnitOutcome<O>>;
}

export interface RunStageOptions<O> {
  /** Outcomes of units finished by an earlier run, by key. */
  done?: ReadonlyMap<string, UnitOutcome<O>>;
  /** Called as each new unit finishes (the runner appends it to the step file). */
  onOutcome?: (outcome: UnitOutcome<O>) => void;
}

/** Outcomes of every unit, in input order; new units run concurrently. */
export async function runStage<I, O>(stage: Stage<I, O>, inputs: readonly I[], ctx: StageContext, opts: RunStageOptions<O> = {}): Promise<UnitOutcome<O>[]> {
  return Promise.all(
    inputs.map(async (input) => {
      const prior = opts.done?.get(stage.key(input));
      if (prior) return prior;
      const outcome = await stage.run(input, ctx);
      opts.onOutcome?.(outcome);
      return outcome;
    }),
  );
}

/** Every output of a step, in unit order. */
export function stageOutputs<O>(outcomes: readonly UnitOutcome<O>[]): O[] {
  return outcomes.flatMap((o) => o.outputs);
}

export type Reply = { ok: true; text: string } | { ok: false; error: string };

/**
 * One model call with the prompt as a single user message. The seed is derived from the
 * unit and attempt, so reruns and resumes ask the same question the same way.
 */
export async function ask(ctx: StageContext, prompt: string, seedParts: ReadonlyArray<string | number>, judge = false): Promise<Reply> {
  const s = ctx.settings;
  const r = await ctx.generate({
    messages: [{ role: 'user', content: prompt }],
    maxNewTokens: s.maxNewTokens,
    temperature: judge ? 0 : s.temperature,
    ...(!judge && s.temperature > 0 && { topP: s.topP }),
    seed: hashSeed(s.seed, ...seedParts),
  });
  if (r.finishReason === 'error' || r.finishReason === 'abort') return { ok: false, error: r.error ?? r.finishReason };
  return { ok: true, text: r.text };
}

/** A counter bag for UnitOutcome.counters. */
export function bump(counters: Record<string, number>, name: string, by = 1): void {
  counters[name] = (counters[name] ?? 0) + by;
}

/** Short enough to keep in step files and stats. */
export function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
