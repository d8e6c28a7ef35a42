import { describe, expect, it } from 'vitest';
import { kendallTauB, rankAccuracy } from '../../scorers';

// Expected values are scipy.stats.kendalltau (tau-b) results.
describe('Kendall tau-b', () => {
  it('matches scipy with ties on both sides', () => {
    expect(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBe(-0.4714045207910316);
    expect(kendallTauB([65, 66, 67, 68], [65, 65, 66, 67])).toBe(0.9128709291752769);
    expect(kendallTauB([1, 1, 2, 2], [1, 2, 1, 2])).toBe(0);
  });

  it('is exact at the ends and bit-identical in between', () => {
    expect(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    expect(kendallTauB(['A', 'B', 'C'], ['A', 'B', 'C'])).toBe(1);
    expect(kendallTauB([65, 66, 67, 68], [67, 66, 68, 65])).toBe(-0.3333333333333334);
  });

  it('is NaN when a side is constant or has a single value', () => {
    expect(kendallTauB([1, 2, 3, 4], [5, 5, 5, 5])).toBeNaN();
    expect(kendallTauB([1], [1])).toBeNaN();
  });

  it('rank accuracy: (tau + 1) / 2, 0 when the lengths differ, NaN for a constant answer', () => {
    expect(rankAccuracy(['A', 'B', 'C', 'D'], ['A', 'B', 'C', 'D'])).toEqual({ accuracy: 1, tau: 1 });
    expect(rankAccuracy(['A', 'B', 'C', 'D'], ['C', 'B', 'D', 'A']).accuracy).toBe((-0.3333333333333334 + 1) / 2);
    expect(rankAccuracy(['A', 'B', 'C', 'D'], ['A', 'B', 'C'])).toEqual({ accuracy: 0, tau: null });
    expect(rankAccuracy(['A', 'B', 'C', 'D'], ['A', 'A', 'A', 'A']).accuracy).toBeNaN();
  });

  it('orders options by code point, also multi-character ones', () => {
    expect(rankAccuracy(['i', 'ii', 'iii'], ['i', 'ii', 'iii']).accuracy).toBe(1);
    expect(rankAccuracy(['A', 'B'], ['𝐀', 'Z']).accuracy).toBe(0); // U+1D400 sorts after Z
  });
});
