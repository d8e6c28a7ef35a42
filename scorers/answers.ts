/**
 * Per-task answer parsing, as the official `extract_answer(text, task, verbose=False)`.
 * Never throws; an unparseable answer is an empty list or string, as officially.
 */
import { ANSWER_KIND, type Task } from '../pathways';
import { PY_B_BEFORE_WORD, PY_S, isPySpaceCode, newlineIn, pyDigitLength, pyStrip, skipPySpace } from './python-compat';

export type ParsedAnswer = string | string[];

/**
 * `\b([A-Ea-e]|i{1,3}|iv|vi|[1-5]|I{1,3}|IV|VI)(?:,\s*|\s*$)`. Each option is 1-3 characters
 * and the tail only scans the whitespace after it, so this stays linear as a JS regex.
 * `\s*$` equals `\s*` to the very end because the greedy run would take a final "\n".
 */
const OPTION_RE = new RegExp(`${PY_B_BEFORE_WORD}([A-Ea-e]|i{1,3}|iv|vi|[1-5]|I{1,3}|IV|VI)(?:,${PY_S}*|${PY_S}*$)`, 'gu');
/** Fallback `([A-E1-5a-e]|i{1,3}|iv|vi)\.\s*([^,]+)`: the option letters of "B. text, D. text". */
const LABELLED_OPTION_RE = new RegExp(`([A-E1-5a-e]|i{1,3}|iv|vi)\\.${PY_S}*([^,]+)`, 'gu');

export function parseOptions(text: string): string[] {
  const options = [...text.matchAll(OPTION_RE)].map((m) => m[1]);
  if (options.length > 0) return options;
  return [...text.matchAll(LABELLED_OPTION_RE)].map((m) => m[1]);
}

/** decision/predict: trimmed, lower-cased, cut at the first "]". */
export function parseYesNo(text: string): string {
  const s = pyStrip(text).toLowerCase();
  const cut = s.indexOf(']');
  return cut < 0 ? s : s.slice(0, cut);
}

/**
 * `re.findall(r"\d+\.\s+(.*?)(?=\s+\d+\.|$)", text)` without DOTALL, as a linear scanner:
 * the item after "N." and its whitespace runs to the first whitespace that is followed by
 * "M." (or the end); `.` cannot cross "\n", so an item whose line ends without a next
 * number does not match at all.
 */
export function parseNumberedItems(text: string): string[] {
  const n = text.length;
  const items: string[] = [];
  /** "digits." at p */
  const numberAt = (p: number): boolean => {
    let d = p;
    for (let len = pyDigitLength(text, d); len > 0; len = pyDigitLength(text, d)) d += len;
    return d > p && text.charCodeAt(d) === 0x2e;
  };
  // First index >= g where the lazy group must stop: a terminator, a "\n" or the end.
  // Queries come with increasing g, so one cached answer covers every g up to it.
  let cacheFrom = -1;
  let cacheStop = -1;
  const firstStop = (g: number): number => {
    if (g >= cacheFrom && g <= cacheStop) return cacheStop;
    let e = g;
    while (e < n) {
      if (isPySpaceCode(text.charCodeAt(e))) {
        const f = skipPySpace(text, e);
        if (f < n && numberAt(f)) break; // `\s+\d+\.` holds at every position of this run
        const nl = newlineIn(text, e, f);
        if (nl >= 0) {
          e = nl;
          break;
        }
        e = f;
      } else e++;
    }
    cacheFrom = g;
    cacheStop = e;
    return e;
  };
  /** The lookahead `(?=\s+\d+\.|$)` at e. */
  const termAt = (e: number): boolean => {
    if (e === n || (e === n - 1 && text.charCodeAt(e) === 0x0a)) return true;
    if (!isPySpaceCode(text.charCodeAt(e))) return false;
    const f = skipPySpace(text, e);
    return f < n && numberAt(f);
  };

  let pos = 0;
  while (pos < n) {
    // Leftmost start: digits followed by "." and at least one whitespace character.
    let s = pos;
    let found = false;
    while (s < n) {
      const len = pyDigitLength(text, s);
      if (len === 0) {
        s++;
        continue;
      }
      let d = s;
      for (let l = len; l > 0; l = pyDigitLength(text, d)) d += l;
      const f = skipPySpace(text, d + 1);
      if (text.charCodeAt(d) === 0x2e && f > d + 1) {
        // Greedy `\s+` first: the group starts at f.
        const e = firstStop(f);
        if (termAt(e)) {
          items.push(text.slice(f, e));
          pos = e;
          found = true;
          break;
        }
        // Giving back one whitespace character: an empty item when "M." follows the run.
        if (f - (d + 1) >= 2 && f < n && numberAt(f)) {
          items.push('');
          pos = f - 1;
          found = true;
          break;
        }
      }
      // Every start inside this digit run fails the same way.
      s = d > s ? d : s + 1;
    }
    if (!found) break;
  }
  return items;
}

export function parseAnswer(text: string, task: Task): ParsedAnswer {
  switch (ANSWER_KIND[task]) {
    case 'exact':
      return parseYesNo(text);
    case 'options':
    case 'rank':
      return parseOptions(text);
    case 'list':
      return parseNumberedItems(text);
    case 'text':
      return pyStrip(text);
  }
}
