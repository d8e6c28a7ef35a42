import { describe, expect, it } from 'vitest';
import { pyRepr, pyStr } from '../../common';

describe('Python repr', () => {
  it('quotes strings as CPython does', () => {
    expect(pyRepr('abc')).toBe("'abc'");
    expect(pyRepr("it's")).toBe(`"it's"`);
    expect(pyRepr(`it's "x"`)).toBe(`'it\\'s "x"'`);
    expect(pyRepr('a\\b\nc\td')).toBe("'a\\\\b\\nc\\td'");
    expect(pyRepr('café — ok')).toBe("'café — ok'");
    expect(pyRepr('\u0007\u00a0\u200b')).toBe("'\\x07\\xa0\\u200b'");
  });

  it('renders lists and dicts like str(list) and dict repr', () => {
    expect(pyStr(['A', 'B'])).toBe("['A', 'B']");
    expect(pyStr(["1. don't", 'x'])).toBe(`["1. don't", 'x']`);
    expect(pyRepr({ age: 'child', income_level: 'low_income' })).toBe("{'age': 'child', 'income_level': 'low_income'}");
    expect(pyStr('plain')).toBe('plain');
  });
});
