/**
 * The part of NLTK 3.8's WordNet reader that METEOR uses: `synsets(word)` over all parts of
 * speech with `_morphy`, and the lemma names of those synsets. The database reaches this
 * code through the WordNet interface (see wordnet-files.ts for the WordNet 3.0 files), so
 * it runs in the browser as well as in Node.
 */
export type WordNetPos = 'n' | 'v' | 'a' | 'r';
/** NLTK's POS_LIST, the order synsets() walks. */
export const WORDNET_POS: readonly WordNetPos[] = ['n', 'v', 'a', 'r'];

export interface WordNet {
  /** Synset offsets of a lemma for one part of speech (index.<pos>); undefined when absent. */
  offsets(lemma: string, pos: WordNetPos): readonly number[] | undefined;
  /** Lemma names of the synset at `offset` in data.<pos>, syntactic markers such as "(a)" removed. */
  synsetLemmaNames(pos: WordNetPos, offset: number): readonly string[];
  /** The <pos>.exc entry for an inflected form. */
  exceptions(pos: WordNetPos, form: string): readonly string[] | undefined;
}

const SUBSTITUTIONS: Readonly<Record<WordNetPos, ReadonlyArray<readonly [string, string]>>> = {
  n: [
    ['s', ''],
    ['ses', 's'],
    ['ves', 'f'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['ies', 'y'],
  ],
  v: [
    ['s', ''],
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
  ],
  a: [
    ['er', ''],
    ['est', ''],
    ['er', 'e'],
    ['est', 'e'],
  ],
  r: [],
};

/**
 * NLTK's `_morphy(form, pos)`: the exception list if the form is in it, else the form and
 * its one-rule variants that WordNet knows, else rules applied again and again until some
 * level has known forms. Levels are de-duplicated (NLTK's are not, which can grow
 * exponentially on adversarial words); only the set of forms matters to synsets().
 */
export function morphy(wn: WordNet, form: string, pos: WordNetPos): string[] {
  const known = (forms: Iterable<string>): string[] => {
    const out: string[] = [];
    for (const f of forms) if (wn.offsets(f, pos) !== undefined && !out.includes(f)) out.push(f);
    return out;
  };
  const exceptions = wn.exceptions(pos, form);
  if (exceptions !== undefined) return known([form, ...exceptions]);
  const applyRules = (forms: Iterable<string>): string[] => {
    const out = new Set<string>();
    for (const f of forms) for (const [old, repl] of SUBSTITUTIONS[pos]) if (f.endsWith(old)) out.add(f.slice(0, f.length - old.length) + repl);
    return [...out];
  };
  let forms = applyRules([form]);
  let results = known([form, ...forms]);
  while (results.length === 0 && forms.length > 0) {
    forms = applyRules(forms);
    results = known(forms);
  }
  return results;
}

/** Lemma names of every synset of `word` (lower-cased first), over all parts of speech. */
export function synsetLemmaNames(wn: WordNet, word: string): Set<string> {
  const lemma = word.toLowerCase();
  const names = new Set<string>();
  for (const pos of WORDNET_POS) {
    for (const form of morphy(wn, lemma, pos)) {
      for (const offset of wn.offsets(form, pos) ?? []) for (const name of wn.synsetLemmaNames(pos, offset)) names.add(name);
    }
  }
  return names;
}

/**
 * METEOR's synonym set of a hypothesis word: the single-word lemma names (no "_") of all
 * its synsets, plus the word itself. Cached per word.
 */
export function createSynonymFinder(wn: WordNet): (word: string) => ReadonlySet<string> {
  const cache = new Map<string, ReadonlySet<string>>();
  return (word) => {
    let syns = cache.get(word);
    if (syns === undefined) {
      const set = new Set<string>();
      for (const name of synsetLemmaNames(wn, word)) if (!name.includes('_')) set.add(name);
      set.add(word);
      syns = set;
      if (cache.size > 100_000) cache.clear();
      cache.set(word, syns);
    }
    return syns;
  };
}
