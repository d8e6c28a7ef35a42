import { describe, expect, it } from 'vitest';
import { parseAnswer, parseNumberedItems, parseOptions, parseYesNo } from '../../scorers';

describe('answer parsing per task', () => {
  it('decision/predict: trimmed, lower-cased, cut at the first "]"', () => {
    expect(parseYesNo('  Yes]\n')).toBe('yes');
    expect(parseYesNo('NO, because] x]')).toBe('no, because');
    expect(parseAnswer('Yes', 'decision')).toBe('yes');
  });

  it('filter/preference_infer/rank: option tokens, each followed by "," or the end', () => {
    expect(parseOptions('C, B, D, A')).toEqual(['C', 'B', 'D', 'A']);
    expect(parseOptions('ii, iv, vi')).toEqual(['ii', 'iv', 'vi']);
    expect(parseOptions('B and D')).toEqual(['D']);
    expect(parseAnswer('1, 3', 'filter')).toEqual(['1', '3']);
  });

  it('falls back to "X. text" labels when no bare options are found', () => {
    expect(parseOptions('B. Navy blue blouse, D. White pencil skirt')).toEqual(['B', 'D']);
    expect(parseOptions('nothing')).toEqual([]);
  });

  it('needs a Unicode word boundary before an option (Python `\\b`)', () => {
    expect(parseOptions('éA, B')).toEqual(['B']);
  });

  it('risk_detect/intention_infer/advice: the items of a numbered list', () => {
    expect(parseNumberedItems('1. Falls 2. Fatigue 3. Stress')).toEqual(['Falls', 'Fatigue', 'Stress']);
    expect(parseNumberedItems('1. First\n2. Second')).toEqual(['First', 'Second']);
    expect(parseAnswer('1. a 2. b', 'advice')).toEqual(['a', 'b']);
  });

  it('numbered items follow the regex exactly: "." does not cross lines, whitespace can be given back', () => {
    expect(parseNumberedItems('1. foo\nbar')).toEqual([]);
    expect(parseNumberedItems('1. foo\n')).toEqual(['foo']);
    expect(parseNumberedItems('1.  2. foo\nbar')).toEqual(['']);
    expect(parseNumberedItems('1. ')).toEqual(['']);
    expect(parseNumberedItems('𝟙. astral digit')).toEqual(['astral digit']);
  });

  it('recommend/convince: the trimmed text', () => {
    expect(parseAnswer('  A laptop \n', 'recommend')).toBe('A laptop');
  });
});
