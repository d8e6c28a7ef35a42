// The one aggregation (scorers/aggregate.ts) against values worked out by hand.
import { describe, expect, it } from 'vitest';
import { aggregateScores, officialMetrics, pearson, type AggregateItem, type ParseStatus, type ResponsePart } from '../../scorers';

const item = (task: string, answer_acc: number, attribute_f1 = 0, relative_value_acc = 0, parseStatus: ParseStatus = 'ok', missing: ResponsePart[] = []): AggregateItem => ({
  task,
  metrics: { answer_acc, attribute_f1, value_f1: attribute_f1, relative_value_acc },
  parseStatus,
  missing,
});

describe('aggregation', () => {
  it('sums per task in first-seen order, rounded like Python (the official value), with means beside', () => {
    const agg = aggregateScores([item('rank', 0.125), item('decision', 1), item('rank', 0.5), item('decision', 0)]);
    expect(agg.tasks.map((t) => t.task)).toEqual(['rank', 'decision']);
    // 0.125 + 0.5 = 0.625, a binary tie: Python's round() goes to even, 0.62.
    expect(agg.tasks[0]).toMatchObject({ numItems: 2, sums: { answer_acc: 0.62 }, means: { answer_acc: 0.3125 } });
    expect(officialMetrics(agg)).toEqual({
      rank: { answer_acc: 0.62, attribute_f1: 0, value_f1: 0, relative_value_acc: 0 },
      decision: { answer_acc: 1, attribute_f1: 0, value_f1: 0, relative_value_acc: 0 },
    });
    expect(agg.overall.itemMeans.answer_acc).toBe(1.625 / 4);
    expect(agg.overall.taskMeans.answer_acc).toBe((0.3125 + 0.5) / 2);
  });

  it('adds floats in the order given, as the official loop does', () => {
    // (0.1 + 0.2) + 0.3 is 0.6000000000000001 in binary floating point, (0.3 + 0.2) + 0.1 is 0.6.
    expect(aggregateScores([item('advice', 0.1), item('advice', 0.2), item('advice', 0.3)]).tasks[0].means.answer_acc).toBe(0.6000000000000001 / 3);
    expect(aggregateScores([item('advice', 0.3), item('advice', 0.2), item('advice', 0.1)]).tasks[0].means.answer_acc).toBe(0.6 / 3);
  });

  it('NaN (a rank answer repeating one option) propagates into its task and the overall means, and is counted', () => {
    const agg = aggregateScores([item('rank', NaN), item('rank', 1), item('decision', 1)]);
    expect(agg.tasks[0].sums.answer_acc).toBeNaN();
    expect(agg.tasks[0].means.answer_acc).toBeNaN();
    expect(agg.tasks[0].numNaN).toBe(1);
    expect(agg.tasks[1].sums.answer_acc).toBe(1);
    expect(agg.overall.itemMeans.answer_acc).toBeNaN();
    expect(agg.overall.taskMeans.answer_acc).toBeNaN();
    expect(agg.overall.numNaN).toBe(1);
    // The other metrics of the same items are unaffected.
    expect(agg.tasks[0].sums.attribute_f1).toBe(0);
  });

  it('counts parse outcomes and missing parts per task and overall', () => {
    const agg = aggregateScores([
      item('rank', 0, 0, 0, 'ok', ['attributes']),
      item('rank', 0, 0, 0, 'partial', ['attributes', 'answer']),
      item('rank', 0, 0, 0, 'failed', ['attributes', 'analysis', 'answer']),
      item('advice', 0, 0, 0, 'failed', ['analysis', 'answer']),
    ]);
    expect(agg.tasks[0].parse).toEqual({ status: { ok: 1, partial: 1, failed: 1 }, missing: { attributes: 3, analysis: 1, answer: 2 } });
    expect(agg.tasks[1].parse).toEqual({ status: { ok: 0, partial: 0, failed: 1 }, missing: { attributes: 0, analysis: 1, answer: 1 } });
    expect(agg.overall.parse).toEqual({ status: { ok: 1, partial: 1, failed: 2 }, missing: { attributes: 3, analysis: 2, answer: 3 } });
  });

  it('Pearson ATF vs RVA across items and across task means', () => {
    // x = (.2 .4 .9 .5), y = (.3 .5 1 .4): deviations (-.3 -.1 .4 0) and (-.25 -.05 .45 -.15),
    // Sxy = .26, Sxx = .26, Syy = .29, so r = .26 / sqrt(.26 * .29) = sqrt(26 / 29).
    const agg = aggregateScores([item('a', 0, 0.2, 0.3), item('a', 0, 0.4, 0.5), item('b', 0, 0.9, 1), item('b', 0, 0.5, 0.4)]);
    expect(agg.pearsonAtfRva.acrossItems).toBeCloseTo(Math.sqrt(26 / 29), 12);
    // Task means (.3, .4) and (.7, .7): two points on a rising line.
    expect(agg.pearsonAtfRva.acrossTasks).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [6, 4, 2])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [2, 4, 6])).toBeNull();
    expect(pearson([1], [2])).toBeNull();
  });
});
