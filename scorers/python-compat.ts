/**
 * Python 3 `str` and `re` semantics that the official tooling relied on. JS differs in
 * small ways that change results: `\s` (Python also counts \x1c-\x1f and \x85, not
 * \uFEFF), `\w`/`\b`/`\d` (Unicode in Python, ASCII in JS), `$` (Python also matches
 * before a final "\n"), `str.strip()`, `str.split()` and `round()` (ties to even).
 */

/** The characters for which Python's str.isspace() (and so re's `\s`) is true. */
const PY_SPACE_CHARS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Regex source fragments for patterns compiled with the `u` flag. */
export const PY_S = `[${PY_SPACE_CHARS}]`;
export const PY_NOT_S = `[^${PY_SPACE_CHARS}]`;
/** Python's `\w` on str: letters, numbers (all N categories) and "_". */
export const PY_W = '[\\p{L}\\p{N}_]';
export const PY_D = '\\p{Nd}';
/** Python's `\b` just before a word character (the previous one is not a word character). */
export const PY_B_BEFORE_WORD = '(?<![\\p{L}\\p{N}_])';
/** Python's `\b` just after a word character. */
export const PY_B_AFTER_WORD = '(?![\\p{L}\\p{N}_])';
/** Python's `$` without MULTILINE: the end, or just before a final "\n". */
export const PY_END = '(?=\\n?$)';

export function isPySpaceCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** First index >= i whose character is not Python whitespace (text.length if none). */
export function skipPySpace(text: string, i: number): number {
  const n = text.length;
  while (i < n && isPySpaceCode(text.charCodeAt(i))) i++;
  return i;
}

export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isPySpaceCode(s.charCodeAt(start))) start++;
  while (end > start && isPySpaceCode(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

export function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && isPySpaceCode(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** str.split() with no argument: runs of whitespace separate, no empty parts. */
export function pySplitWhitespace(s: string): string[] {
  const out: string[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    while (i < n && isPySpaceCode(s.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isPySpaceCode(s.charCodeAt(i))) i++;
    out.push(s.slice(start, i));
  }
  return out;
}

/** Letters as Python's IGNORECASE matches them: it also folds ı/İ to i, ſ to s and K to k. */
const IGNORE_CASE_CLASS: Readonly<Record<string, string>> = { i: '[iI\\u0130\\u0131]', s: '[sS\\u017f]', k: '[kK\\u212a]' };

/** Regex source matching `literal` as Python's re.IGNORECASE does (ASCII letters only need it here). */
export function pyIgnoreCaseSource(literal: string): string {
  return [...literal]
    .map((ch) => {
      const lower = ch.toLowerCase();
      if (IGNORE_CASE_CLASS[lower]) return IGNORE_CASE_CLASS[lower];
      if (/^[a-z]$/.test(lower)) return `[${lower}${lower.toUpperCase()}]`;
      return ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
}

const DIGIT_RE = /^\p{Nd}$/u;

/** Python's `\d` (Unicode category Nd) at index i, which may start a surrogate pair. Returns its length in code units, 0 if not a digit. */
export function pyDigitLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0x30 && c <= 0x39) return 1;
  if (c < 0x80 || Number.isNaN(c)) return 0;
  const cp = text.codePointAt(i)!;
  const len = cp > 0xffff ? 2 : 1;
  return DIGIT_RE.test(String.fromCodePoint(cp)) ? len : 0;
}

/**
 * Python's round(x, ndigits) for floats: the decimal nearest to the exact binary value,
 * ties to even. A tie at d decimals needs x * 2^(d+1) to be an odd integer, so only
 * those values need the even rule; all others round like toFixed (exact decimal).
 */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x)) return x;
  if (Math.abs(x) >= 1e15) return x;
  const scaled = x * 2 ** (ndigits + 1);
  if (Number.isInteger(scaled) && Math.abs(scaled % 2) === 1) {
    const p = 10 ** ndigits;
    const lower = Math.floor(x * p);
    const even = lower % 2 === 0 ? lower : lower + 1;
    return even / p;
  }
  return Number(x.toFixed(ndigits));
}

/**
 * x ** n for a small integer n, correctly rounded. Python's float `**` calls the C
 * library's pow(), which is (almost always) correctly rounded; V8's Math.pow is not and
 * differs in the last bit for about 1 in 10 fractions, which shows in METEOR's penalty.
 * Falls back to `**` outside finite positive x and 0 <= n <= 16.
 */
export function pyPowInt(x: number, n: number): number {
  if (!(x > 0) || !Number.isFinite(x) || !Number.isInteger(n) || n < 0 || n > 16) return x ** n;
  if (n === 0) return 1;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? -1074 : biased - 1075) * n;
  let p = 1n;
  for (let i = 0; i < n; i++) p *= mantissa; // exact: x^n = p * 2^exponent
  const shift = p.toString(2).length - 53;
  if (shift <= 0) return Number(p) * 2 ** exponent;
  let q = p >> BigInt(shift);
  const rest = p - (q << BigInt(shift));
  const half = 1n << BigInt(shift - 1);
  if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n; // ties to even
  const result = Number(q) * 2 ** (exponent + shift);
  return Number.isFinite(result) && result > 0 ? result : x ** n;
}

/** Index of the first "\n" in [start, end), or -1. Bounded, unlike indexOf, so scans over many short runs stay linear. */
export function newlineIn(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 0x0a) return i;
  return -1;
}
