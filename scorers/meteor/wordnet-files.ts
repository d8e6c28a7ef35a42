/**
 * A WordNet over the database files (index.*, data.*, *.exc) given as text, parsed the way
 * NLTK's WordNetCorpusReader reads them. Browser-safe: the caller brings the files.
 * Index lines are split lazily, synset lines are parsed on first use.
 */
import { IpdError } from '../../common';
import type { WordNet, WordNetPos } from './wordnet';

export const WORDNET_FILE_SUFFIX: Readonly<Record<WordNetPos, string>> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };

/** Keys "index.noun", "data.noun", "noun.exc", ... for the four parts of speech. */
export type WordNetFiles = Readonly<Record<string, string>>;

export function wordNetFileNames(): string[] {
  return Object.values(WORDNET_FILE_SUFFIX).flatMap((s) => [`index.${s}`, `data.${s}`, `${s}.exc`]);
}

export function createWordNetFromFiles(files: WordNetFiles): WordNet {
  const file = (name: string): string => {
    const text = files[name];
    if (typeof text !== 'string') throw new IpdError('DATA_NOT_FOUND', `WordNet file ${name} is missing`, { file: name, hint: 'METEOR needs all WordNet 3.0 database files (index.*, data.*, *.exc); reinstall with npm ci, or rebuild the web app' });
    return text;
  };
  const index = new Map<WordNetPos, Map<string, readonly number[]>>();
  const exceptions = new Map<WordNetPos, Map<string, readonly string[]>>();
  const synsets = new Map<string, readonly string[]>();

  const indexOf = (pos: WordNetPos) => {
    let map = index.get(pos);
    if (!map) {
      map = parseIndex(file(`index.${WORDNET_FILE_SUFFIX[pos]}`));
      index.set(pos, map);
    }
    return map;
  };
  const exceptionsOf = (pos: WordNetPos) => {
    let map = exceptions.get(pos);
    if (!map) {
      map = parseExceptions(file(`${WORDNET_FILE_SUFFIX[pos]}.exc`));
      exceptions.set(pos, map);
    }
    return map;
  };

  return {
    offsets: (lemma, pos) => indexOf(pos).get(lemma),
    exceptions: (pos, form) => exceptionsOf(pos).get(form),
    synsetLemmaNames(pos, offset) {
      const key = `${pos}${offset}`;
      let names = synsets.get(key);
      if (!names) {
        names = parseSynsetLemmaNames(file(`data.${WORDNET_FILE_SUFFIX[pos]}`), offset);
        synsets.set(key, names);
      }
      return names;
    },
  };
}

/** index.<pos>: "lemma pos n_synsets n_pointers [pointers] n_senses tagsense_cnt offsets..."; license lines start with " ". */
function parseIndex(text: string): Map<string, readonly number[]> {
  const map = new Map<string, readonly number[]>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(' ')) continue;
    const t = line.split(/\s+/).filter(Boolean);
    const nSynsets = Number(t[2]);
    const nPointers = Number(t[3]);
    const first = 4 + nPointers + 2;
    map.set(t[0], t.slice(first, first + nSynsets).map(Number));
  }
  return map;
}

function parseExceptions(text: string): Map<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  for (const line of text.split('\n')) {
    const t = line.split(/\s+/).filter(Boolean);
    if (t.length > 0) map.set(t[0], t.slice(1));
  }
  return map;
}

/** data.<pos> line at a byte offset (the files are ASCII): "offset lexfile pos w_cnt(hex) word lex_id ...". */
function parseSynsetLemmaNames(text: string, offset: number): readonly string[] {
  const end = text.indexOf('\n', offset);
  const line = text.slice(offset, end < 0 ? text.length : end);
  if (!/^\d{8} /.test(line) || Number(line.slice(0, 8)) !== offset) return [];
  const t = line.split('|')[0].split(/\s+/).filter(Boolean);
  const n = parseInt(t[3], 16);
  const names: string[] = [];
  for (let k = 0; k < n; k++) names.push(t[4 + 2 * k].replace(/\(.*\)$/, ''));
  return names;
}
