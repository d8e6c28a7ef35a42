/** Per-step counts for stats.json: what was generated, what parsed, what passed, why the rest was dropped. */
import type { UnitOutcome } from './records';

export interface StepStats {
  /** units of work (prompt chains) in the step */
  units: number;
  /** model calls */
  generated: number;
  /** replies that parsed */
  parsed: number;
  /** replies that did not parse */
  parseFailures: number;
  /** units that produced output */
  passed: number;
  /** units dropped, by reason below */
  dropped: number;
  dropReasons: Record<string, number>;
  /** records the step wrote */
  outputs: number;
  counters: Record<string, number>;
}

export function emptyStepStats(): StepStats {
  return { units: 0, generated: 0, parsed: 0, parseFailures: 0, passed: 0, dropped: 0, dropReasons: {}, outputs: 0, counters: {} };
}

export function summarizeOutcomes(outcomes: readonly UnitOutcome<unknown>[]): StepStats {
  const s = emptyStepStats();
  for (const o of outcomes) {
    s.units++;
    s.generated += o.calls;
    s.parsed += o.parsed;
    s.parseFailures += o.parseFailures;
    s.outputs += o.outputs.length;
    if (o.dropped) {
      s.dropped++;
      s.dropReasons[o.dropped] = (s.dropReasons[o.dropped] ?? 0) + 1;
    } else s.passed++;
    for (const [k, v] of Object.entries(o.counters ?? {})) s.counters[k] = (s.counters[k] ?? 0) + v;
  }
  return s;
}

/** Stats of a step that calls no model: `passed` of `units` went through. */
export function plainStepStats(units: number, passed: number, dropReasons: Record<string, number>): StepStats {
  const dropped = Object.values(dropReasons).reduce((a, b) => a + b, 0);
  return { ...emptyStepStats(), units, passed, outputs: passed, dropped, dropReasons };
}
