// Scheduling cost per step against the number of waiting requests: the scheduler alone (no
// model) on five-pathway-shaped prompts (four share a long history prefix, as in a run), with
// a host prefix cache holding the prefixes of the items already admitted.
import { PrefixCache, Request, Scheduler, DEFAULT_SCHEDULER_CONFIG } from '../../../engine';

export interface ScheduleCost {
  waiting: number;
  /** Mean microseconds per schedule() call over the measured steps. */
  microsPerStep: number;
}

const SHAPE = { numLayers: 1, kvHeads: 1, headDim: 1, dtype: 'float32' as const };

/** The chat template and task preamble every prompt starts with. */
const TEMPLATE = Array.from({ length: 40 }, (_, i) => 10 + i);

/** Prompts of one item: four with a 560-token shared prefix, one without; lengths as in the workload. */
function itemPrompts(item: number): number[][] {
  const base = 1000 + item * 5000;
  const history = [...TEMPLATE, ...Array.from({ length: 520 }, (_, i) => base + i)];
  const tail = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + i);
  return [
    [...TEMPLATE, ...tail(390, base + 3000)],
    [...history, ...tail(270, base + 600)],
    [...history, ...tail(245, base + 900)],
    [...history, ...tail(200, base + 1200)],
    [...history, ...tail(210, base + 1500)],
  ];
}

export function measureScheduleCost(waitingCounts: readonly number[] = [50, 500, 5000, 50000], steps = 2000): ScheduleCost[] {
  return waitingCounts.map((waiting) => {
    // Room for about 100 history prefixes, as the default 512 MB holds for an 8-layer Qwen-shaped model.
    const cache = new PrefixCache(SHAPE, 2 * 4 * 560 * 100);
    const s = new Scheduler(DEFAULT_SCHEDULER_CONFIG, cache);
    let arrivals = 0;
    let item = 0;
    const addItem = () => {
      for (const p of itemPrompts(item++)) s.add(new Request({ requestId: `r${arrivals}`, promptTokenIds: p, sampling: { maxNewTokens: 16 } }, arrivals++, [0]));
    };
    while (s.numWaiting < waiting) addItem();
    let total = 0;
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const plan = s.schedule();
      total += performance.now() - t0;
      // What the engine does after the step: cache a computed prefix, or let a running row
      // finish so a queued request can join; the queue is topped up to stay at `waiting`.
      if (plan.kind === 'prefix') cache.insert(plan.tokens, [new Float32Array(plan.tokens.length)], [new Float32Array(plan.tokens.length)]);
      else if (s.running.length > 0) s.finish([s.running[0]], 'finished_length');
      while (s.numWaiting < waiting) addItem();
    }
    return { waiting, microsPerStep: (total * 1000) / steps };
  });
}
