/**
 * NLTK 3.8 `word_tokenize`: Punkt sentence split, then NLTKWordTokenizer (the improved
 * Treebank tokenizer) on each sentence. The regexes are NLTK's, with Python's `\s`, `\w`,
 * `\b`, `\d`, `$` and IGNORECASE rebuilt for JS (see python-compat.ts).
 */
import { PY_B_AFTER_WORD, PY_B_BEFORE_WORD, PY_END, PY_S, PY_W, pyIgnoreCaseSource as ci, pySplitWhitespace } from '../python-compat';
import { PunktSentenceTokenizer, type PunktModel } from './punkt';

type Rule = readonly [RegExp, string];
const rule = (source: string, replacement: string): Rule => [new RegExp(source, 'gu'), replacement];

const STARTING_QUOTES: readonly Rule[] = [
  rule('([«“‘„]|[`]+)', ' $1 '),
  rule('^"', '``'),
  rule('(``)', ' $1 '),
  rule(`([ ([{<])("|'{2})`, '$1 `` '),
  rule(`(')(?!${['re', 've', 'll', 'm', 't', 's', 'd', 'n'].map(ci).join('|')})(${PY_W})${PY_B_AFTER_WORD}`, '$1 $2'),
];

const PUNCTUATION: readonly Rule[] = [
  rule(`([^.])(\\.)([\\])}>"'»”’ ]*)${PY_S}*$`, '$1 $2 $3 '),
  rule('([:,])([^\\p{Nd}])', ' $1 $2'),
  rule(`([:,])${PY_END}`, ' $1 '),
  rule('\\.{2,}', ' $& '),
  rule('[;@#$%&]', ' $& '),
  rule(`([^.])(\\.)([\\])}>"']*)${PY_S}*$`, '$1 $2$3 '),
  rule('[?!]', ' $& '),
  rule("([^'])' ", "$1 ' "),
  rule('[*]', ' $& '),
];

const PARENS_BRACKETS = rule('[\\][(){}<>]', ' $& ');
const DOUBLE_DASHES = rule('--', ' -- ');

const ENDING_QUOTES: readonly Rule[] = [
  rule('([»”’])', ' $1 '),
  rule("''", " '' "),
  rule('"', " '' "),
  rule("([^' ])('[sS]|'[mM]|'[dD]|') ", '$1 $2 '),
  rule("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", '$1 $2 '),
];

/** MacIntyre contractions, case-insensitive, with Unicode `\b`. */
const CONTRACTIONS: readonly Rule[] = [
  ...[
    ['can', 'not'],
    ['d', "'ye"],
    ['gim', 'me'],
    ['gon', 'na'],
    ['got', 'ta'],
    ['lem', 'me'],
    ['more', "'n"],
  ].map(([a, b]) => rule(`${PY_B_BEFORE_WORD}(${ci(a)})(${ci(b)})${PY_B_AFTER_WORD}`, ' $1 $2 ')),
  rule(`${PY_B_BEFORE_WORD}(${ci('wan')})(${ci('na')})(?=${PY_S})`, ' $1 $2 '),
  rule(` (${ci("'t")})(${ci('is')})${PY_B_AFTER_WORD}`, ' $1 $2 '),
  rule(` (${ci("'t")})(${ci('was')})${PY_B_AFTER_WORD}`, ' $1 $2 '),
];

const apply = (text: string, rules: readonly Rule[]): string => rules.reduce((t, [re, rep]) => t.replace(re, rep), text);

/** NLTKWordTokenizer.tokenize(sentence). */
export function treebankTokenize(sentence: string): string[] {
  let text = apply(sentence, STARTING_QUOTES);
  text = apply(text, PUNCTUATION);
  text = apply(text, [PARENS_BRACKETS, DOUBLE_DASHES]);
  text = ` ${text} `;
  text = apply(text, ENDING_QUOTES);
  text = apply(text, CONTRACTIONS);
  return pySplitWhitespace(text);
}

export function createWordTokenizer(punkt: PunktModel): (text: string) => string[] {
  const sentences = new PunktSentenceTokenizer(punkt);
  return (text) => sentences.tokenize(text).flatMap(treebankTokenize);
}
