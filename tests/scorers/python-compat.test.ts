import { describe, expect, it } from 'vitest';
import { pyPowInt, pyRound, pySplitWhitespace, pyStrip } from '../../scorers/python-compat';

describe('Python semantics', () => {
  it('round(x, 2): ties to even on the exact binary value', () => {
    expect([0.125, 0.375, 0.625, -0.125, 45.125].map((x) => pyRound(x, 2))).toEqual([0.12, 0.38, 0.62, -0.12, 45.12]);
    // 2.675 and 1.005 are below the tie in binary.
    expect([2.675, 1.005, 0.285].map((x) => pyRound(x, 2))).toEqual([2.67, 1, 0.28]);
    expect(pyRound(65.32999999999998, 2)).toBe(65.33);
    expect(pyRound(NaN, 2)).toBeNaN();
  });

  it('strip() and split() use Python whitespace', () => {
    expect(pyStrip('\x1c\x85 a \u3000')).toBe('a');
    expect(pyStrip('\ufeffa')).toBe('\ufeffa');
    expect(pySplitWhitespace(' a\x1fb\u00a0 c ')).toEqual(['a', 'b', 'c']);
  });

  it('integer powers equal CPython float ** (Math.pow misrounds these)', () => {
    // (c / m) ** 3.0 as printed by CPython 3.11; V8's Math.pow differs in the last bit on each.
    const cases: Array<[number, number, number]> = [
      [3, 13, 0.012289485662266729],
      [3, 26, 0.001536185707783341],
      [5, 6, 0.5787037037037038],
      [5, 12, 0.07233796296296298],
    ];
    for (const [c, m, expected] of cases) expect(pyPowInt(c / m, 3)).toBe(expected);
    expect(pyPowInt(0.5, 3)).toBe(0.125);
    expect(pyPowInt(0.7, 0)).toBe(1);
  });
});
