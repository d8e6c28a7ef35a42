// The bootstrap intervals beside every mean, against distributions worked out by hand.
//
// The bootstrap mean of n values of which k are 1 and the rest 0 is Binomial(n, k/n) / n. For
// n = 10, k = 5: P(X <= 1) = 11/1024 = 0.0107 and P(X <= 2) = 56/1024 = 0.0547, so the 2.5th
// percentile is X = 2, i.e. 0.2; P(X <= 7) = 0.9453 and P(X <= 8) = 0.9893, so the 97.5th is
// X = 8, i.e. 0.8. Both cumulative probabilities sit several Monte-Carlo standard errors
// (sqrt(.025 * .975 / 2000) = 0.0035) away from the cut, so any seed gives [0.2, 0.8].
import { describe, expect, it } from 'vitest';
import { BOOTSTRAP, bootstrapIntervals, percentileInterval, reduce, type ReducibleRecord } from '../../../bench/runlog';

const half = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const ones = (n: number) => Array.from({ length: n }, () => 1);

describe('bootstrap intervals', () => {
  it('the 95% interval of a mean of five 1s and five 0s is [0.2, 0.8], whatever the seed', () => {
    for (const seedKey of ['a', 'b', 'c']) {
      const ci = bootstrapIntervals([{ name: 't', columns: [half] }], { seedKey });
      expect(ci.groups[0][0]).toEqual([0.2, 0.8]);
    }
    expect(BOOTSTRAP).toMatchObject({ resamples: 2000, level: 0.95 });
  });

  it('overall means resample within each task (stratified): pooled over items and mean of task means', () => {
    // Task A: two 1s (no spread); task B: five 1s and five 0s.
    // Pooled mean = (2 + X) / 12 with X ~ Binomial(10, .5): [(2 + 2) / 12, (2 + 8) / 12].
    // Mean of task means = (1 + X / 10) / 2: [0.6, 0.9].
    const ci = bootstrapIntervals(
      [
        { name: 'A', columns: [ones(2)] },
        { name: 'B', columns: [half] },
      ],
      { seedKey: 'p' },
    );
    expect(ci.groups[0][0]).toEqual([1, 1]);
    expect(ci.groups[1][0]).toEqual([0.2, 0.8]);
    expect(ci.pooled[0]![0]).toBeCloseTo(4 / 12, 12);
    expect(ci.pooled[0]![1]).toBeCloseTo(10 / 12, 12);
    expect(ci.meanOfMeans[0]![0]).toBeCloseTo(0.6, 12);
    expect(ci.meanOfMeans[0]![1]).toBeCloseTo(0.9, 12);
    // Ten 1s beside the same task B: (10 + X) / 20 gives [0.6, 0.9]; resampling the 20 items
    // together (Binomial(20, .75) / 20, P(X <= 11) = 0.041) would give a lower end of 0.55.
    const wide = bootstrapIntervals(
      [
        { name: 'A', columns: [ones(10)] },
        { name: 'B', columns: [half] },
      ],
      { seedKey: 'p' },
    );
    expect(wide.pooled[0]![0]).toBeCloseTo(0.6, 12);
    expect(wide.pooled[0]![1]).toBeCloseTo(0.9, 12);
  });

  it('columns share the draws; a NaN or a single value gives no interval', () => {
    const ci = bootstrapIntervals([{ name: 't', columns: [half, half.map((v) => 1 - v), [...half.slice(0, 9), NaN]] }], { seedKey: 'x' });
    // The complement of each resample: exactly mirrored.
    const [a, b, c] = ci.groups[0];
    expect(b![0]).toBeCloseTo(1 - a![1], 12);
    expect(b![1]).toBeCloseTo(1 - a![0], 12);
    expect(c).toBeNull();
    expect(bootstrapIntervals([{ name: 't', columns: [[0.7]] }], { seedKey: 'x' }).groups[0][0]).toBeNull();
    // A one-item task would add no spread to an overall interval: there is none.
    expect(bootstrapIntervals([{ name: 'A', columns: [[1]] }, { name: 'B', columns: [half] }], { seedKey: 'x' }).pooled[0]).toBeNull();
  });

  it('percentiles interpolate linearly between order statistics, as numpy.quantile', () => {
    // 41 replicates 0..40: the 2.5% quantile sits at position 40 * 0.025 = 1, the 97.5% at 39.
    expect(percentileInterval(Float64Array.from({ length: 41 }, (_, i) => i), 41)).toEqual([1, 39]);
    // 21 replicates 0..20: positions 0.5 and 19.5.
    expect(percentileInterval(Float64Array.from({ length: 21 }, (_, i) => i), 21)).toEqual([0.5, 19.5]);
  });
});

describe('reduce() writes the intervals and n beside each mean', () => {
  const rec = (task: ReducibleRecord['task'], index: number, acc: number): ReducibleRecord => ({
    pathway: 'type-guided',
    task,
    index,
    line: index,
    metrics: { answer_acc: acc, attribute_f1: 1, value_f1: 0.5, relative_value_acc: 0.5 },
    parse_status: 'ok',
    missing: [],
  });

  it('per task and overall, official sums unchanged', () => {
    const predictions = [...half.map((v, i) => rec('decision', i + 1, v)), ...ones(2).map((v, i) => rec('predict', 100 + i, v))];
    const tg = reduce({ predictions }).pathways['type-guided'];
    expect(tg.tasks.decision).toMatchObject({ count: 10, n: 10, sum: { answer_acc: 5 }, mean: { answer_acc: 0.5 } });
    expect(tg.tasks.decision.ci95!.answer_acc).toEqual([0.2, 0.8]);
    expect(tg.tasks.decision.ci95!.attribute_f1).toEqual([1, 1]);
    expect(tg.tasks.predict.ci95!.answer_acc).toEqual([1, 1]);
    expect(tg.overall.n).toBe(12);
    expect(tg.overall.ci95!.answer_acc![0]).toBeCloseTo(4 / 12, 12);
    expect(tg.overall.ci95!.answer_acc![1]).toBeCloseTo(10 / 12, 12);
    expect(tg.overall.task_mean_ci95!.answer_acc![0]).toBeCloseTo(0.6, 12);
    expect(tg.overall.task_mean_ci95!.answer_acc![1]).toBeCloseTo(0.9, 12);
    // On disk: [low, high] arrays, null where there is none.
    const disk = JSON.parse(JSON.stringify(reduce({ predictions: [rec('rank', 1, NaN), rec('rank', 2, 1)] })));
    expect(disk.pathways['type-guided'].tasks.rank.ci95.answer_acc).toBeNull();
    expect(disk.pathways['type-guided'].tasks.rank.ci95.attribute_f1).toEqual([1, 1]);
  });

  it('judge means: per score over the usable replies that have it', () => {
    const predictions = half.map((v, i) => rec('decision', i + 1, v));
    const judge = half.map((v, i) => ({
      pathway: 'type-guided' as const,
      task: 'decision' as const,
      index: i + 1,
      status: i === 9 ? ('unparseable' as const) : ('ok' as const),
      scores: i === 9 ? {} : { Conciseness: 1, Personalization: 1, 'Analysis Quality': 1, 'Answer Accuracy': 1, Total: i < 5 ? 10 : 0 },
    }));
    const j = reduce({ predictions, judge }).pathways['type-guided'].judge!;
    // Nine usable replies: five 10s and four 0s.
    expect(j.tasks.decision.n).toMatchObject({ Total: 9, Conciseness: 9 });
    expect(j.tasks.decision.ci95!.Conciseness).toEqual([1, 1]);
    const [lo, hi] = j.tasks.decision.ci95!.Total!;
    expect(lo).toBeLessThan(50 / 9);
    expect(hi).toBeGreaterThan(50 / 9);
    expect(j.overall.ci95!.Total).toEqual(j.tasks.decision.ci95!.Total);
  });
});
