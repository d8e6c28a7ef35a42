import { describe, expect, it } from 'vitest';
import { attributeScores, createItemScorer, parseAttributes, setF1 } from '../../scorers';
import type { DialogItem } from '../../pathways';

const GT = { age: 'adult', income: 'high', profession: 'doctor', residence: 'urban' };

describe('attribute text -> pairs', () => {
  it('keeps parts with exactly one ":", trims keys and values, last value wins', () => {
    const pairs = parseAttributes(' age : adult , nonsense, a:b:c, income: low,, income: high ');
    expect([...pairs]).toEqual([
      ['age', 'adult'],
      ['income', 'high'],
    ]);
    expect(parseAttributes('').size).toBe(0);
  });
});

describe('set F1', () => {
  it('is 0, not NaN, when either side is empty', () => {
    expect(setF1([], [])).toEqual({ f1: 0, precision: 0, recall: 0 });
    expect(setF1(['A'], [])).toEqual({ f1: 0, precision: 0, recall: 0 });
    expect(setF1([], ['A'])).toEqual({ f1: 0, precision: 0, recall: 0 });
  });

  it('counts duplicates once and ignores order', () => {
    expect(setF1(['B', 'D'], ['D', 'B', 'B'])).toEqual({ f1: 1, precision: 1, recall: 1 });
    const s = setF1(['A', 'B', 'C'], ['A', 'E']);
    expect(s.precision).toBe(0.5);
    expect(s.recall).toBeCloseTo(1 / 3, 15);
    expect(s.f1).toBeCloseTo(0.4, 15);
  });
});

describe('ATF, value F1 and RVA', () => {
  it('all correct', () => {
    expect(attributeScores(GT, new Map(Object.entries(GT)))).toMatchObject({ attributeF1: 1, valueF1: 1, relativeValueAcc: 1 });
  });

  it('partial: right keys, one wrong value', () => {
    const s = attributeScores(GT, new Map([['age', 'adult'], ['income', 'low']]));
    expect(s.attributeF1).toBeCloseTo((2 * 1 * 0.5) / 1.5, 15); // P=1, R=1/2
    expect(s.valueF1).toBeCloseTo((2 * 0.5 * 0.25) / 0.75, 15); // P=1/2, R=1/4
    expect(s.relativeValueAcc).toBe(0.5); // value P / attribute P
  });

  it('wrong: only keys outside the GT', () => {
    expect(attributeScores(GT, new Map([['hobby', 'sports']]))).toMatchObject({ attributeF1: 0, valueF1: 0, relativeValueAcc: 0 });
  });

  it('missing: nothing predicted scores 0 everywhere', () => {
    expect(attributeScores(GT, new Map())).toMatchObject({ attributeF1: 0, valueF1: 0, relativeValueAcc: 0 });
  });

  it('rounds RVA to 2 decimals with ties to even, like Python round()', () => {
    const gt = { a: '1', b: '1', c: '1', d: '1', e: '1', f: '1', g: '1', h: '1' };
    const pred = new Map(Object.keys(gt).map((k, i) => [k, i === 0 ? '1' : 'x'] as [string, string]));
    expect(attributeScores(gt, pred).relativeValueAcc).toBe(0.12); // 1/8 = 0.125 -> 0.12
    const pred3 = new Map(Object.keys(gt).map((k, i) => [k, i < 3 ? '1' : 'x'] as [string, string]));
    expect(attributeScores(gt, pred3).relativeValueAcc).toBe(0.38); // 3/8 = 0.375 -> 0.38
  });

  it('scores the pathway field of a hand-made response through the item scorer', () => {
    const item = {
      index: 7,
      task: 'decision',
      GT: { related_attributes: GT, analysis: 'x', answer: 'yes' },
    } as unknown as DialogItem;
    const score = createItemScorer();
    const response = '- Related Attribute Values: [age: adult, income: low, hobby: art]\n- Analysis: [a]\n- Answer: [Yes]';
    const s = score(item, response, 'Related Attribute Values');
    expect(s).toMatchObject({ answerAcc: 1, parseStatus: 'ok', relativeValueAcc: 0.5 });
    expect(s.attributeF1).toBeCloseTo((2 * (2 / 3) * 0.5) / (2 / 3 + 0.5), 15);
    // direct-response never asks for attributes: the "Attributes" field is absent, metrics 0.
    expect(score(item, response, 'Attributes')).toMatchObject({ attributeF1: 0, valueF1: 0, relativeValueAcc: 0, missing: ['attributes'] });
  });
});
