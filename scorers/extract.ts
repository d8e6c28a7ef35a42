/**
 * Response extraction, as the official `extract()` (data_gen/question_answer_extract.py)
 * does it: the bracketed field first, then the fallbacks in the official order.
 *
 * The official patterns are lazy regexes over untrusted model output; run as JS regexes
 * some of them backtrack quadratically (many "Answer:" prefixes and no terminator, long
 * whitespace runs). Each pattern is therefore a hand-written scanner that returns what
 * Python's re.search returns (leftmost match, greedy `\s*` tried before shorter ones,
 * then the lazy group), in time linear in the input. Never throws.
 */
import type { AttributeField } from '../pathways';
import { newlineIn, pyDigitLength, pyIgnoreCaseSource, pyStrip, skipPySpace } from './python-compat';

/** Which rule produced a field, named after the official pattern. */
export type ExtractRule =
  | 'bracket'
  | 'markdown_bracket'
  | 'json_list'
  | 'until_dash_answer'
  | 'bold'
  | 'bold_colon'
  | 'json_bracket'
  | 'numbered_list'
  | 'numbered_list_closed'
  | 'bracket_closed'
  | 'until_next_item'
  | 'bold_until_next';

export interface Extraction {
  /** Missing fields are "" (the official code fills them in the same way). */
  attributes: string;
  analysis: string;
  answer: string;
  rules: { attributes?: ExtractRule; analysis?: ExtractRule; answer?: ExtractRule };
}

/** Positions [start, end) where a prefix matches, leftmost first (overlapping allowed). */
type PrefixFinder = (text: string, from: number) => { start: number; end: number } | null;

function literal(prefix: string): PrefixFinder {
  return (text, from) => {
    const i = text.indexOf(prefix, from);
    return i < 0 ? null : { start: i, end: i + prefix.length };
  };
}

function ignoreCase(prefix: string): PrefixFinder {
  const re = new RegExp(pyIgnoreCaseSource(prefix), 'gu');
  return (text, from) => {
    re.lastIndex = from;
    const m = re.exec(text);
    return m ? { start: m.index, end: m.index + m[0].length } : null;
  };
}

function startsWithIgnoreCase(text: string, at: number, find: PrefixFinder, length: number): boolean {
  const m = find(text.slice(at, at + length * 2), 0);
  return m !== null && m.start === 0;
}

/**
 * `PREFIX\s*\[(.*?)\]` (DOTALL): the first prefix followed by optional whitespace and "["
 * that has a "]" somewhere after it. `keepBrackets` returns the group `(\[...\])` instead.
 */
function bracketed(text: string, prefix: PrefixFinder, keepBrackets = false): string | null {
  let from = 0;
  for (let m = prefix(text, from); m; m = prefix(text, from)) {
    const open = skipPySpace(text, m.end);
    if (text.charCodeAt(open) === 0x5b /* [ */) {
      const close = text.indexOf(']', open + 1);
      // No "]" after this "[" means none after any later one either.
      if (close < 0) return null;
      return keepBrackets ? text.slice(open, close + 1) : text.slice(open + 1, close);
    }
    from = m.start + 1;
  }
  return null;
}

/**
 * `PREFIX\s*(lazy)(?=TERM)`: with the greedy `\s*` first, the group runs from the end of
 * the whitespace to the first terminator; only if none exists does the regex give back
 * whitespace, matching an empty group at the last terminator inside that whitespace.
 * `isTerm(e)` tells whether the lookahead holds at e (e may equal text.length).
 */
function lazyUntil(text: string, prefix: PrefixFinder, isTerm: (e: number) => boolean): string | null {
  const n = text.length;
  let noTermFrom = Infinity; // no terminator at or after this index
  let from = 0;
  for (let m = prefix(text, from); m; m = prefix(text, from)) {
    const a = m.end;
    const b = skipPySpace(text, a);
    if (b < noTermFrom) {
      for (let e = b; e <= n; e++) if (isTerm(e)) return text.slice(b, e);
      noTermFrom = b;
    }
    for (let e = b - 1; e >= a; e--) if (isTerm(e)) return '';
    from = m.start + 1;
  }
  return null;
}

/** "\n-" at e followed by optional whitespace, then `after` (index of the first non-space) holds. */
function dashItemAt(text: string, e: number, after: (f: number) => boolean): boolean {
  return text.charCodeAt(e) === 0x0a && text.charCodeAt(e + 1) === 0x2d && after(skipPySpace(text, e + 2));
}

/**
 * `PREFIX\s*([\s\S]*?)(?=\s*\n\s*- \*\*Answer\*\*)` (ignore case): the lookahead holds at e
 * when the whitespace run from e holds a newline and the marker follows the run. Scanning
 * forward, the first hit is always the first position of a run, so runs are skipped whole.
 */
function lazyUntilBoldAnswer(
  text: string,
  prefix: PrefixFinder,
  marker: PrefixFinder,
  markerLength: number,
  optionalColon: boolean,
): string | null {
  const n = text.length;
  const runHit = (start: number, end: number): boolean => {
    return newlineIn(text, start, end) >= 0 && startsWithIgnoreCase(text, end, marker, markerLength);
  };
  let noTermFrom = Infinity;
  let from = 0;
  for (let m = prefix(text, from); m; m = prefix(text, from)) {
    let a = m.end;
    // `:?` is greedy; without the colon the group would start at ":", where no terminator
    // can be, so the colon-less try never succeeds where this one fails.
    if (optionalColon && text.charCodeAt(a) === 0x3a) a++;
    const b = skipPySpace(text, a);
    if (b < noTermFrom) {
      let e = b;
      while (e < n) {
        const f = skipPySpace(text, e);
        if (f > e) {
          if (runHit(e, f)) return text.slice(b, e);
          e = f;
        } else e++;
      }
      noTermFrom = b;
    }
    // Terminators inside the prefix's own whitespace [a, b): the last one wins, group "".
    if (b > a && runHit(a, b)) return '';
    from = m.start + 1;
  }
  return null;
}

/**
 * `Answer:\s*\n((?:\s*\d+\..*(?:\n|$))+)` (DOTALL): the whitespace after "Answer:" must
 * hold a newline and be followed by digits and "."; `.*` then runs to the end of the text.
 */
function numberedList(text: string): string | null {
  let from = 0;
  for (let i = text.indexOf('Answer:', from); i >= 0; i = text.indexOf('Answer:', from)) {
    const a = i + 'Answer:'.length;
    const b = skipPySpace(text, a);
    if (newlineIn(text, a, b) >= 0) {
      let d = b;
      for (let len = pyDigitLength(text, d); len > 0; len = pyDigitLength(text, d)) d += len;
      if (d > b && text.charCodeAt(d) === 0x2e /* . */) return text.slice(b);
    }
    from = i + 1;
  }
  return null;
}

const isUpperAscii = (c: number) => c >= 0x41 && c <= 0x5a;

const P = {
  attributes: literal('Attributes:'),
  analysis: literal('Analysis:'),
  answer: literal('Answer:'),
  analysisBold: ignoreCase('**Analysis**'),
  analysisBoldColon: ignoreCase('**Analysis:**'),
  answerBoldMarker: ignoreCase('- **Answer**'),
  answerBoldColonMarker: ignoreCase('- **Answer:**'),
  analysisJson: ignoreCase('"Analysis":'),
  answerJson: literal('"Answer":'),
  answerMarkdown: literal('- **Answer**:'),
};

function attributeFinders(field: AttributeField) {
  return {
    bracket: literal(`${field}:`),
    markdown: literal(`- **${field}**:`),
    json: literal(`"${field}":`),
  };
}

/** Extracts the attribute, analysis and answer fields of a model response. Never throws. */
export function extractResponse(response: string, attributeField: AttributeField = 'Attributes'): Extraction {
  const text = typeof response === 'string' ? response : '';
  const rules: Extraction['rules'] = {};
  const n = text.length;

  // Attributes: bracket, then markdown bracket, then JSON list (brackets kept).
  const af = attributeFinders(attributeField);
  let attributes = bracketed(text, af.bracket);
  if (attributes !== null) rules.attributes = 'bracket';
  else if ((attributes = bracketed(text, af.markdown)) !== null) rules.attributes = 'markdown_bracket';
  else if ((attributes = bracketed(text, af.json, true)) !== null) rules.attributes = 'json_list';

  // Analysis.
  let analysis = bracketed(text, P.analysis);
  if (analysis !== null) rules.analysis = 'bracket';
  else {
    // `Analysis:\s*(.*?)(?=\n-\s*(?:Answer|$))`: `$` after the greedy `\s*` is the end.
    analysis = lazyUntil(text, P.analysis, (e) =>
      dashItemAt(text, e, (f) => f === n || text.startsWith('Answer', f)),
    );
    if (analysis !== null) rules.analysis = 'until_dash_answer';
    else if ((analysis = lazyUntilBoldAnswer(text, P.analysisBold, P.answerBoldMarker, '- **Answer**'.length, true)) !== null) rules.analysis = 'bold';
    else if ((analysis = lazyUntilBoldAnswer(text, P.analysisBoldColon, P.answerBoldColonMarker, '- **Answer:**'.length, false)) !== null) rules.analysis = 'bold_colon';
    else if ((analysis = bracketed(text, P.analysisJson)) !== null) rules.analysis = 'json_bracket';
  }

  // Answer. The official code appends "]" before its second numbered-list try and keeps it
  // for every later pattern, so "Answer: [yes" matches the bracket rule and free text ends in "]".
  let answer = bracketed(text, P.answer);
  if (answer !== null) rules.answer = 'bracket';
  else if ((answer = numberedList(text)) !== null) rules.answer = 'numbered_list';
  else {
    const closed = `${text}]`;
    const m = closed.length;
    if ((answer = numberedList(closed)) !== null) rules.answer = 'numbered_list_closed';
    else if ((answer = bracketed(closed, P.answer)) !== null) rules.answer = 'bracket_closed';
    else if (
      (answer = lazyUntil(closed, P.answer, (e) => e === m || dashItemAt(closed, e, (f) => isUpperAscii(closed.charCodeAt(f))))) !== null
    )
      rules.answer = 'until_next_item';
    else if (
      (answer = lazyUntil(closed, P.answerMarkdown, (e) => e === m || dashItemAt(closed, e, (f) => closed.startsWith('**', f)))) !== null
    )
      rules.answer = 'bold_until_next';
    else if ((answer = bracketed(closed, P.answerJson, true)) !== null) rules.answer = 'json_list';
  }

  return {
    attributes: attributes === null ? '' : pyStrip(attributes),
    analysis: analysis === null ? '' : pyStrip(analysis),
    answer: answer === null ? '' : pyStrip(answer),
    rules,
  };
}
