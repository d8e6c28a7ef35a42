// The paired comparison of `compare`: a planted difference is flagged, a null one is not, and
// runs over different items are compared unpaired. Expected intervals are worked out by hand.
import { describe, expect, it } from 'vitest';
import { compareRecords, type ReducibleJudgeRecord, type ReducibleRecord } from '../../../bench/runlog';
import { TASKS } from '../../../pathways';

/** 10 tasks x 10 items; attribute F1 spread over [0, 1) by item, so items differ a lot. */
function records(value: (i: number) => number, indexBase = 0): ReducibleRecord[] {
  return Array.from({ length: 100 }, (_, i) => ({
    pathway: 'type-guided',
    task: TASKS[i % 10],
    index: indexBase + i,
    line: i + 1,
    metrics: { answer_acc: 0.5, attribute_f1: value(i), value_f1: 0, relative_value_acc: 0 },
    parse_status: 'ok',
    missing: [],
  }));
}

const base = (i: number) => ((i * 37) % 100) / 100;
// Within every task, five items gain 0.1 and five lose 0.1 (i / 10 alternates parity per task).
const noise = (i: number) => (Math.floor(i / 10) % 2 === 0 ? 0.1 : -0.1);

describe('compareRecords', () => {
  it('flags a planted paired difference overall, with per-task intervals worked out by hand', () => {
    const a = records(base);
    const b = records((i) => base(i) + 0.05 + noise(i));
    const c = compareRecords({ predictions: a }, { predictions: b }, { seedKey: 't' });
    expect(c).toMatchObject({ mode: 'paired', shared: 100, onlyA: 0, onlyB: 0 });
    const atf = c.overall.attribute_f1!;
    expect(atf.diff).toBeCloseTo(0.05, 12);
    expect(atf).toMatchObject({ nA: 100, nB: 100, significant: true, leftOut: 0 });
    expect(atf.ci95![0]).toBeGreaterThan(0.02);
    expect(atf.ci95![1]).toBeLessThan(0.08);
    // Per task five differences of 0.15 and five of -0.05: -0.05 + 0.2 X / 10 with
    // X ~ Binomial(10, .5), whose 2.5th and 97.5th percentiles are 2 and 8: [-0.01, 0.11].
    for (const task of TASKS) {
      const d = c.tasks[task].attribute_f1!;
      expect(d.ci95![0], task).toBeCloseTo(-0.01, 12);
      expect(d.ci95![1], task).toBeCloseTo(0.11, 12);
      expect(d.significant, task).toBe(false);
    }
    // Identical values: a zero-width interval at 0 is not a difference.
    expect(c.overall.answer_acc).toMatchObject({ diff: 0, ci95: [0, 0], significant: false });
  });

  it('does not flag a null difference of the same spread', () => {
    const c = compareRecords({ predictions: records(base) }, { predictions: records((i) => base(i) + noise(i)) }, { seedKey: 't' });
    const atf = c.overall.attribute_f1!;
    expect(atf.diff).toBeCloseTo(0, 12);
    expect(atf.ci95![0]).toBeLessThan(0);
    expect(atf.ci95![1]).toBeGreaterThan(0);
    expect(atf.significant).toBe(false);
    expect(Object.values(c.tasks).filter((t) => t.attribute_f1!.significant)).toEqual([]);
  });

  it('runs without shared items are compared unpaired: the same +0.05 is lost in the spread between items, +0.3 is not', () => {
    const a = records(base);
    const small = compareRecords({ predictions: a }, { predictions: records((i) => base(i) + 0.05 + noise(i), 1000) }, { seedKey: 't' });
    expect(small).toMatchObject({ mode: 'unpaired', shared: 0, onlyA: 100, onlyB: 100 });
    expect(small.overall.attribute_f1!.diff).toBeCloseTo(0.05, 12);
    expect(small.overall.attribute_f1!.significant).toBe(false);
    const large = compareRecords({ predictions: a }, { predictions: records((i) => base(i) + 0.3, 1000) }, { seedKey: 't' });
    expect(large.overall.attribute_f1).toMatchObject({ significant: true, nA: 100, nB: 100 });
    expect(large.overall.attribute_f1!.ci95![0]).toBeGreaterThan(0.15);
  });

  it('pairs only shared items, leaves out the official NaN, and compares judge totals where both are usable', () => {
    const a = records(base);
    a[0].metrics.answer_acc = NaN;
    const b = records(base).slice(0, 60);
    const judge = (delta: number, failAt: number): ReducibleJudgeRecord[] =>
      a.slice(0, 30).map((p, i) => ({ pathway: p.pathway, task: p.task, index: p.index, status: i === failAt ? 'unparseable' : 'ok', scores: i === failAt ? {} : { Total: 7 + delta } }));
    const c = compareRecords({ predictions: a, judge: judge(0, 3) }, { predictions: b, judge: judge(2, 5) }, { seedKey: 't' });
    expect(c).toMatchObject({ mode: 'paired', shared: 60, onlyA: 40, onlyB: 0 });
    expect(c.overall.answer_acc).toMatchObject({ nA: 59, leftOut: 1, diff: 0 });
    expect(c.tasks[TASKS[0]].answer_acc).toMatchObject({ nA: 5, leftOut: 1 });
    // Every task keeps at least two judged pairs (3 each, one failure in two tasks).
    expect(c.overall.judge_total).toMatchObject({ nA: 28, leftOut: 2, diff: 2, meanA: 7, meanB: 9, ci95: [2, 2], significant: true });
  });
});
