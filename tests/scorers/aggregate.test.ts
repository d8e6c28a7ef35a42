import { describe, expect, it } from 'vitest';
import { aggregateScores, officialMetrics, pearson, type ItemScore } from '../../scorers';

const score = (task: string, answerAcc: number, attributeF1 = 0, relativeValueAcc = 0): ItemScore =>
  ({ task, answerAcc, attributeF1, valueF1: attributeF1, relativeValueAcc, parseStatus: 'ok', missing: [] }) as unknown as ItemScore;

describe('aggregation', () => {
  it('sums per task in file order, rounded like Python (the official value), with means beside', () => {
    const scores = [score('rank', 0.125), score('decision', 1), score('rank', 0.5), score('decision', 0)];
    const agg = aggregateScores(scores);
    expect(agg.tasks.map((t) => t.task)).toEqual(['rank', 'decision']);
    expect(agg.tasks[0]).toMatchObject({ numItems: 2, sums: { answer_acc: 0.62 }, means: { answer_acc: 0.3125 } }); // 0.625 -> 0.62
    expect(officialMetrics(agg)).toEqual({
      rank: { answer_acc: 0.62, attribute_f1: 0, value_f1: 0, relative_value_acc: 0 },
      decision: { answer_acc: 1, attribute_f1: 0, value_f1: 0, relative_value_acc: 0 },
    });
    expect(agg.overall.itemMeans.answer_acc).toBe(1.625 / 4);
    expect(agg.overall.taskMeans.answer_acc).toBe((0.3125 + 0.5) / 2);
  });

  it('adds floats sequentially, as the official loop does', () => {
    const values = Array.from({ length: 100 }, (_, i) => ((i * 7919) % 1000) / 997);
    let expected = 0;
    for (const v of values) expected += v;
    const agg = aggregateScores(values.map((v) => score('advice', v)));
    expect(agg.tasks[0].sums.answer_acc).toBe(Number(expected.toFixed(2)));
  });

  it('propagates NaN into the task sum and counts it', () => {
    const agg = aggregateScores([score('rank', NaN), score('rank', 1)]);
    expect(agg.tasks[0].sums.answer_acc).toBeNaN();
    expect(agg.tasks[0].numNaN).toBe(1);
  });

  it('Pearson ATF vs RVA across items and tasks', () => {
    const agg = aggregateScores([score('a', 0, 0.2, 0.3), score('a', 0, 0.4, 0.5), score('b', 0, 0.9, 1), score('b', 0, 0.5, 0.4)]);
    expect(agg.pearsonAtfRva.acrossItems).toBeCloseTo(pearson([0.2, 0.4, 0.9, 0.5], [0.3, 0.5, 1, 0.4])!, 12);
    expect(agg.pearsonAtfRva.acrossTasks).toBeCloseTo(1, 12); // two points
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 1, 1], [2, 4, 6])).toBeNull();
    expect(pearson([1], [2])).toBeNull();
  });
});
