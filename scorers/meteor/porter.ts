/**
 * NLTK 3.8's PorterStemmer in its default NLTK_EXTENSIONS mode (the stemmer METEOR uses).
 * Words are handled as arrays of code points, as Python indexes strings, so non-BMP
 * characters (emoji) count as one letter in the measure and length tests.
 */
type Word = readonly string[];

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);

/** Irregular forms NLTK maps directly (word -> stem). */
const POOL: ReadonlyMap<string, string> = new Map(
  Object.entries({
    sky: ['sky', 'skies'],
    die: ['dying'],
    lie: ['lying'],
    tie: ['tying'],
    news: ['news'],
    inning: ['innings', 'inning'],
    outing: ['outings', 'outing'],
    canning: ['cannings', 'canning'],
    howe: ['howe'],
    proceed: ['proceed'],
    exceed: ['exceed'],
    succeed: ['succeed'],
  }).flatMap(([stem, forms]) => forms.map((f) => [f, stem] as const)),
);

const chars = (s: string): string[] => Array.from(s);
const str = (w: Word): string => w.join('');

function isConsonant(w: Word, i: number): boolean {
  if (VOWELS.has(w[i])) return false;
  if (w[i] === 'y') return i === 0 ? true : !isConsonant(w, i - 1);
  return true;
}

/** m in [C](VC){m}[V]: the number of vowel-consonant transitions. */
function measure(w: Word): number {
  let m = 0;
  for (let i = 1; i < w.length; i++) if (!isConsonant(w, i - 1) && isConsonant(w, i)) m++;
  return m;
}

function containsVowel(w: Word): boolean {
  for (let i = 0; i < w.length; i++) if (!isConsonant(w, i)) return true;
  return false;
}

function endsDoubleConsonant(w: Word): boolean {
  const n = w.length;
  return n >= 2 && w[n - 1] === w[n - 2] && isConsonant(w, n - 1);
}

/** *o: ends consonant-vowel-consonant, the last not w/x/y; NLTK also accepts a 2-letter vowel-consonant word. */
function endsCvc(w: Word): boolean {
  const n = w.length;
  return (
    (n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1) && !['w', 'x', 'y'].includes(w[n - 1])) ||
    (n === 2 && !isConsonant(w, 0) && isConsonant(w, 1))
  );
}

function endsWith(w: Word, suffix: string): boolean {
  const s = chars(suffix);
  if (s.length > w.length) return false;
  for (let i = 0; i < s.length; i++) if (w[w.length - s.length + i] !== s[i]) return false;
  return true;
}

function replaceSuffix(w: Word, suffix: string, replacement: string): string[] {
  return [...w.slice(0, w.length - chars(suffix).length), ...chars(replacement)];
}

type Condition = ((stem: Word) => boolean) | null;
type Rule = readonly [suffix: string, replacement: string, condition: Condition];

/** The first rule whose suffix matches decides: replaced if its condition holds, else the word stays. */
function applyRuleList(w: Word, rules: readonly Rule[]): Word {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === '*d' && endsDoubleConsonant(w)) {
      const stem = w.slice(0, -2);
      return condition === null || condition(stem) ? [...stem, ...chars(replacement)] : w;
    }
    if (endsWith(w, suffix)) {
      const stem = replaceSuffix(w, suffix, '');
      return condition === null || condition(stem) ? [...stem, ...chars(replacement)] : w;
    }
  }
  return w;
}

const positiveMeasure = (stem: Word) => measure(stem) > 0;
const measureGt1 = (stem: Word) => measure(stem) > 1;

function step1a(w: Word): Word {
  if (endsWith(w, 'ies') && w.length === 4) return replaceSuffix(w, 'ies', 'ie');
  return applyRuleList(w, [
    ['sses', 'ss', null],
    ['ies', 'i', null],
    ['ss', 'ss', null],
    ['s', '', null],
  ]);
}

function step1b(w: Word): Word {
  if (endsWith(w, 'ied')) return replaceSuffix(w, 'ied', w.length === 4 ? 'ie' : 'i');
  if (endsWith(w, 'eed')) {
    const stem = replaceSuffix(w, 'eed', '');
    return measure(stem) > 0 ? [...stem, 'e', 'e'] : w;
  }
  let stem: Word | null = null;
  for (const suffix of ['ed', 'ing']) {
    if (endsWith(w, suffix)) {
      const candidate = replaceSuffix(w, suffix, '');
      if (containsVowel(candidate)) {
        stem = candidate;
        break;
      }
    }
  }
  if (stem === null) return w;
  const last = stem[stem.length - 1];
  return applyRuleList(stem, [
    ['at', 'ate', null],
    ['bl', 'ble', null],
    ['iz', 'ize', null],
    ['*d', last, () => !['l', 's', 'z'].includes(last)],
    ['', 'e', (s) => measure(s) === 1 && endsCvc(s)],
  ]);
}

function step1c(w: Word): Word {
  return applyRuleList(w, [['y', 'i', (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]]);
}

function step2(w: Word): Word {
  if (endsWith(w, 'alli') && positiveMeasure(replaceSuffix(w, 'alli', ''))) return step2(replaceSuffix(w, 'alli', 'al'));
  return applyRuleList(w, [
    ['ational', 'ate', positiveMeasure],
    ['tional', 'tion', positiveMeasure],
    ['enci', 'ence', positiveMeasure],
    ['anci', 'ance', positiveMeasure],
    ['izer', 'ize', positiveMeasure],
    ['bli', 'ble', positiveMeasure],
    ['alli', 'al', positiveMeasure],
    ['entli', 'ent', positiveMeasure],
    ['eli', 'e', positiveMeasure],
    ['ousli', 'ous', positiveMeasure],
    ['ization', 'ize', positiveMeasure],
    ['ation', 'ate', positiveMeasure],
    ['ator', 'ate', positiveMeasure],
    ['alism', 'al', positiveMeasure],
    ['iveness', 'ive', positiveMeasure],
    ['fulness', 'ful', positiveMeasure],
    ['ousness', 'ous', positiveMeasure],
    ['aliti', 'al', positiveMeasure],
    ['iviti', 'ive', positiveMeasure],
    ['biliti', 'ble', positiveMeasure],
    ['fulli', 'ful', positiveMeasure],
    // NLTK tests the word less "logi" plus "l", i.e. word[:-3].
    ['logi', 'log', () => positiveMeasure(w.slice(0, -3))],
  ]);
}

function step3(w: Word): Word {
  return applyRuleList(w, [
    ['icate', 'ic', positiveMeasure],
    ['ative', '', positiveMeasure],
    ['alize', 'al', positiveMeasure],
    ['iciti', 'ic', positiveMeasure],
    ['ical', 'ic', positiveMeasure],
    ['ful', '', positiveMeasure],
    ['ness', '', positiveMeasure],
  ]);
}

function step4(w: Word): Word {
  return applyRuleList(w, [
    ['al', '', measureGt1],
    ['ance', '', measureGt1],
    ['ence', '', measureGt1],
    ['er', '', measureGt1],
    ['ic', '', measureGt1],
    ['able', '', measureGt1],
    ['ible', '', measureGt1],
    ['ant', '', measureGt1],
    ['ement', '', measureGt1],
    ['ment', '', measureGt1],
    ['ent', '', measureGt1],
    ['ion', '', (stem) => measure(stem) > 1 && ['s', 't'].includes(stem[stem.length - 1])],
    ['ou', '', measureGt1],
    ['ism', '', measureGt1],
    ['ate', '', measureGt1],
    ['iti', '', measureGt1],
    ['ous', '', measureGt1],
    ['ive', '', measureGt1],
    ['ize', '', measureGt1],
  ]);
}

function step5a(w: Word): Word {
  if (endsWith(w, 'e')) {
    const stem = w.slice(0, -1);
    if (measure(stem) > 1) return stem;
    if (measure(stem) === 1 && !endsCvc(stem)) return stem;
  }
  return w;
}

function step5b(w: Word): Word {
  return applyRuleList(w, [['ll', 'l', () => measure(w.slice(0, -1)) > 1]]);
}

/** PorterStemmer().stem(word): lower-cased, irregular forms first, words of <= 2 characters unchanged. */
export function porterStem(word: string): string {
  const lower = word.toLowerCase();
  if (POOL.has(word)) return POOL.get(lower)!;
  const w = chars(lower);
  if (chars(word).length <= 2) return lower;
  return str(step5b(step5a(step4(step3(step2(step1c(step1b(step1a(w)))))))));
}

/** A stemmer with a per-word cache (METEOR stems the same words over and over). */
export function createPorterStemmer(): (word: string) => string {
  const cache = new Map<string, string>();
  return (word) => {
    let stem = cache.get(word);
    if (stem === undefined) {
      stem = porterStem(word);
      if (cache.size > 200_000) cache.clear();
      cache.set(word, stem);
    }
    return stem;
  };
}
