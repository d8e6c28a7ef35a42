// NLTK 3.8 METEOR pieces. Expected values are NLTK's own documented outputs (docstrings,
// wordnet and tokenize HOWTOs); the item-level parity test covers the rest.
import { beforeAll, describe, expect, it } from 'vitest';
import { createMeteor, createWordTokenizer, meteorScore, morphy, porterStem, type MeteorResources } from '../../scorers';
import { createPorterStemmer, createSynonymFinder, PunktSentenceTokenizer } from '../../scorers/meteor';
import { loadMeteorResources } from '../../scorers/node';

let res: MeteorResources;
beforeAll(async () => {
  res = await loadMeteorResources();
});

describe('Porter stemmer (NLTK extensions)', () => {
  it('stems the paper examples the NLTK way', () => {
    const cases: Record<string, string> = {
      caresses: 'caress',
      ponies: 'poni',
      ties: 'tie', // NLTK: 4-letter "-ies" keeps "ie"
      cats: 'cat',
      feed: 'feed',
      agreed: 'agre',
      plastered: 'plaster',
      motoring: 'motor',
      sing: 'sing',
      hopping: 'hop',
      falling: 'fall',
      filing: 'file',
      happy: 'happi',
      sky: 'sky',
      dying: 'die', // irregular pool
      generously: 'gener',
      running: 'run',
    };
    for (const [word, stem] of Object.entries(cases)) expect([word, porterStem(word)]).toEqual([word, stem]);
  });

  it('leaves words of up to two characters alone and lower-cases', () => {
    expect(porterStem('Is')).toBe('is');
    expect(porterStem('🙂🙂')).toBe('🙂🙂');
    expect(createPorterStemmer()('Running')).toBe('run');
  });
});

describe('WordNet 3.0 morphy and synonyms', () => {
  it('finds base forms through rules and exception lists', () => {
    expect(morphy(res.wordnet, 'dogs', 'n')).toEqual(['dog']);
    expect(morphy(res.wordnet, 'churches', 'n')).toEqual(['church']);
    expect(morphy(res.wordnet, 'aardwolves', 'n')).toEqual(['aardwolf']);
    expect(morphy(res.wordnet, 'abaci', 'n')).toEqual(['abacus']);
    expect(morphy(res.wordnet, 'book', 'n')).toEqual(['book']);
    expect(morphy(res.wordnet, 'book', 'a')).toEqual([]);
    expect(morphy(res.wordnet, 'hardrock', 'r')).toEqual([]);
  });

  it('collects single-word lemma names of all synsets, plus the word itself', () => {
    const syns = createSynonymFinder(res.wordnet)('dog');
    for (const w of ['dog', 'hound', 'frank', 'frankfurter', 'chase', 'trail', 'heel']) expect(syns.has(w)).toBe(true);
    expect(syns.has('hot_dog')).toBe(false);
    expect(createSynonymFinder(res.wordnet)('qqqzzz')).toEqual(new Set(['qqqzzz']));
  });
});

describe('word_tokenize', () => {
  it('splits sentences first, so only sentence-final periods are split off', () => {
    const tokenize = createWordTokenizer(res.punkt);
    expect(tokenize('Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\n\nThanks.')).toEqual([
      'Good', 'muffins', 'cost', '$', '3.88', 'in', 'New', 'York', '.', 'Please', 'buy', 'me', 'two', 'of', 'them', '.', 'Thanks', '.',
    ]);
    expect(tokenize("They'll save and invest more.")).toEqual(['They', "'ll", 'save', 'and', 'invest', 'more', '.']);
    expect(tokenize("hi, my name can't hello,")).toEqual(['hi', ',', 'my', 'name', 'ca', "n't", 'hello', ',']);
  });

  it('renders quotes and list reprs as NLTK does', () => {
    const tokenize = createWordTokenizer(res.punkt);
    // A quote before a one-letter word is split off ("'c" -> "'", "c"), before a longer one it is not.
    expect(tokenize(`"Hi" ['ab', 'c']`)).toEqual(['``', 'Hi', "''", '[', "'ab", "'", ',', "'", 'c', "'", ']']);
  });

  it('keeps NLTK collocations such as "##number## international" together', () => {
    const sentences = new PunktSentenceTokenizer(res.punkt);
    expect(sentences.tokenize('Try 2. International cuisine tonight.')).toHaveLength(1);
    expect(sentences.tokenize('Try 2. Mexican cuisine tonight.')).toHaveLength(2);
    expect(sentences.tokenize('He said "Hi." Then he left.')).toEqual(['He said "Hi."', 'Then he left.']);
  });
});

describe('meteor_score', () => {
  it('reproduces the NLTK docstring example (0.6944) and 0 for no match', () => {
    const hypothesis = ['It', 'is', 'a', 'guide', 'to', 'action', 'which', 'ensures', 'that', 'the', 'military', 'always', 'obeys', 'the', 'commands', 'of', 'the', 'party'];
    const reference = ['It', 'is', 'a', 'guide', 'to', 'action', 'that', 'ensures', 'that', 'the', 'military', 'will', 'forever', 'heed', 'Party', 'commands'];
    const m = { stem: porterStem, synonyms: createSynonymFinder(res.wordnet) };
    expect(Math.round(meteorScore(reference, hypothesis, m) * 1e4) / 1e4).toBe(0.6944);
    expect(meteorScore(['this', 'is', 'a', 'cat'], ['non', 'matching', 'hypothesis'], m)).toBe(0);
    expect(meteorScore([], ['a'], m)).toBe(0);
  });

  it('matches stems and then WordNet synonyms', () => {
    const meteor = createMeteor(res);
    const exact = meteor('the dog barks', 'the dog barks').score;
    expect(meteor('the dogs bark', 'the dog barked').score).toBe(exact); // stems
    expect(meteor('the hound barks', 'the dog barks').score).toBe(exact); // synonym
    expect(meteor('the cat barks', 'the dog barks').score).toBeLessThan(exact);
  });
});
