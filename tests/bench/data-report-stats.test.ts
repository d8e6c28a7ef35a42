// Each statistic of the data report on small hand-built inputs, against values worked out
// by hand (the arithmetic is written out next to each expectation).
import { describe, expect, it } from 'vitest';
import {
  attributeFigures,
  computeQuality,
  describeDistribution,
  distinctCounts,
  expectedAttributeShares,
  nearDuplicateFigures,
  noiseTvd,
  pipelineFigures,
  selfBleu,
  sentenceBleu,
  similarPairs,
  taskFigures,
  totalVariation,
  windowDiversity,
  words,
} from '../../bench/data-report';
import { IpdError } from '../../common';
import { createRng, dedupText, sparseCosine, tfidfVectors, type DialogItem } from '../../pathways';
import { readDataset } from '../../pathways/node';
import { itWithReference, referencePath } from '../helpers/reference';
import { TEST_SET } from '../helpers/run-dir';

const split = (s: string) => s.split(' ');

/** A valid item; tests change what they look at. */
function item(over: Partial<DialogItem> & { gender?: string } = {}): DialogItem {
  const { gender = 'female', ...rest } = over;
  return {
    index: 0,
    task: 'decision',
    task_index: 0,
    domain_index: 0,
    subject_index: 0,
    request_index: 0,
    domain: 'Sports',
    user_attr_group: {
      age: 'adult',
      gender,
      income_level: 'middle_income',
      profession: 'teacher',
      openness: 'high',
      conscientiousness: 'high',
      extraversion: 'low',
      agreeableness: 'high',
      neuroticism: 'low',
      residence: 'urban',
      health: 'healthy',
      hobby: 'reading',
    },
    request: 'Should I join a running club?',
    GT: { related_attributes: { hobby: 'reading' }, analysis: 'A reader may prefer quiet clubs.', answer: 'no' },
    history_id: 0,
    history: [[{ speaker: 'User', content: 'I finished another novel last night.' }, { speaker: 'AI', content: 'Which one was it?' }]],
    ...rest,
  };
}

describe('words', () => {
  it('lower-cases, keeps inner apostrophes and drops punctuation', () => {
    expect(words("I'm fine, thanks! Don’t worry—it's 2 O'Clock.")).toEqual(["i'm", 'fine', 'thanks', 'don’t', 'worry', "it's", '2', "o'clock"]);
    expect(words(' ... ')).toEqual([]);
  });
});

describe('distinct-n', () => {
  it('counts n-grams within texts, never across two', () => {
    // Text 1 "a b a b": unigrams 4, bigrams ab ba ab, trigrams aba bab.
    // Text 2 "b a": unigrams 2, bigram ba, no trigram. ("b b" across the texts is no bigram.)
    const [d1, d2, d3] = distinctCounts([split('a b a b'), split('b a')]);
    expect(d1).toEqual({ unique: 2, total: 6, ratio: 2 / 6 });
    expect(d2).toEqual({ unique: 2, total: 4, ratio: 2 / 4 });
    expect(d3).toEqual({ unique: 2, total: 2, ratio: 1 });
  });

  it('has no ratio without n-grams', () => {
    expect(distinctCounts([['a'], []])[1]).toEqual({ unique: 0, total: 0, ratio: null });
  });
});

describe('equal-size windows', () => {
  it('averages each full window; n-grams start inside their window and text', () => {
    // Stream of 4-token windows: [a b a | b] then [a b b a] (the rest of text 2).
    // Window 1: tokens a b a b -> TTR 2/4; bigrams ab, ba of text 1 only -> 2/2; trigram aba -> 1/1.
    // Window 2 starts at word 1 of text 2: bigrams ab, bb, ba -> 3/3 (not text 2's first "b a");
    //   TTR a b b a -> 2/4; trigrams abb, bba -> 2/2.
    const w = windowDiversity([split('a b a'), split('b a b b a')], 4);
    expect(w).toEqual({ window_tokens: 4, windows: 2, ttr: 0.5, distinct_2: 1, distinct_3: 1 });
  });

  it('leaves out the last, shorter window and follows the given order', () => {
    // Order [1, 0]: "c c c" then "a b": one full window "c c c a" (TTR 2/4), "b" left over.
    const w = windowDiversity([split('a b'), split('c c c')], 4, [1, 0]);
    expect(w.windows).toBe(1);
    expect(w.ttr).toBe(0.5);
    // Bigrams: cc, cc -> 1/2.
    expect(w.distinct_2).toBe(0.5);
    expect(windowDiversity([split('a b')], 4)).toMatchObject({ windows: 0, ttr: null, distinct_2: null });
  });
});

describe('BLEU (NLTK sentence_bleu, method1 smoothing)', () => {
  it('scores a hypothesis against one reference', () => {
    // "the cat sat on the mat" vs "the cat is on the mat":
    // unigrams 5/6 (sat unmatched), bigrams 3/5 (the cat, on the, the mat), trigrams 1/4
    // (on the mat), 4-grams 0/3 -> 0.1/3; equal lengths -> brevity penalty 1.
    const expected = ((5 / 6) * (3 / 5) * (1 / 4) * (0.1 / 3)) ** 0.25;
    expect(sentenceBleu([split('the cat is on the mat')], split('the cat sat on the mat'))).toBeCloseTo(expected, 12);
  });

  it('penalises a short hypothesis and smooths missing orders', () => {
    // "the cat" vs "the cat is here": 1-grams 2/2, 2-grams 1/1, 3- and 4-grams none -> 0.1/1 each;
    // brevity penalty exp(1 - 4/2).
    expect(sentenceBleu([split('the cat is here')], split('the cat'))).toBeCloseTo(Math.exp(-1) * Math.sqrt(0.1), 12);
  });

  it('takes the closest reference length, the shorter on a tie, and the best count over references', () => {
    // Hypothesis length 4, references of length 3 and 5: 3 is taken, so no brevity penalty;
    // every n-gram of "a b c d" is in the second reference -> all precisions 1.
    expect(sentenceBleu([split('a b c'), split('a b c d e')], split('a b c d'))).toBe(1);
  });

  it('is 0 without a unigram match', () => {
    expect(sentenceBleu([split('x y z')], split('a b c'))).toBe(0);
  });
});

describe('Self-BLEU', () => {
  it('scores each text against the others only', () => {
    // A "a b c" vs {B, C}: 1-grams a, b (in C) 2/3; 2-grams ab 1/2; 3-gram 0 -> 0.1/1; 4-gram none -> 0.1/1.
    // B "x y z" vs {A, C}: 1-gram z 1/3; 2-grams 0/2 -> 0.1/2; 0.1/1; 0.1/1.
    // C "a b z" vs {A, B}: 1-grams 3/3; 2-grams ab 1/2; 0.1/1; 0.1/1. All lengths 3: no penalty.
    const a = ((2 / 3) * (1 / 2) * 0.1 * 0.1) ** 0.25;
    const b = ((1 / 3) * (0.1 / 2) * 0.1 * 0.1) ** 0.25;
    const c = (1 * (1 / 2) * 0.1 * 0.1) ** 0.25;
    expect(selfBleu([split('a b c'), split('x y z'), split('a b z')])).toBeCloseTo((a + b + c) / 3, 12);
  });

  it("leaves out the text's own length but not a twin's", () => {
    // "a b" vs two copies of "a b c d e": 1-grams 2/2, 2-grams 1/1, 3-/4-grams 0.1/1 each,
    // closest other length 5 -> penalty exp(1 - 5/2). Each copy matches its twin fully: 1.
    const short = Math.exp(1 - 5 / 2) * Math.sqrt(0.1);
    expect(selfBleu([split('a b'), split('a b c d e'), split('a b c d e')])).toBeCloseTo((short + 2) / 3, 12);
    expect(selfBleu([split('a b')])).toBeNull();
  });

  it('equals the mean of plain BLEU against all other texts on random texts', () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 20; trial++) {
      const texts = Array.from({ length: 2 + rng.int(6) }, () => Array.from({ length: rng.int(9) }, () => 'abcd'[rng.int(4)]));
      const plain = texts.map((t, i) => sentenceBleu(texts.filter((_, j) => j !== i), t));
      expect(selfBleu(texts)).toBeCloseTo(plain.reduce((x, y) => x + y, 0) / texts.length, 12);
    }
  });
});

describe('distributions', () => {
  it('summarises with linearly interpolated quantiles and keeps the counts', () => {
    // [1 2 3 4 10]: mean 4; squared deviations 9 4 1 0 36 -> variance 10; p10 at rank 0.4
    // -> 1 + 0.4 * 1; p90 at rank 3.6 -> 4 + 0.6 * 6.
    const d = describeDistribution([10, 3, 1, 4, 2]);
    expect(d).toMatchObject({ count: 5, mean: 4, min: 1, p25: 2, median: 3, p75: 4, max: 10, counts: { 1: 1, 2: 1, 3: 1, 4: 1, 10: 1 } });
    expect(d.std).toBeCloseTo(Math.sqrt(10), 12);
    expect(d.p10).toBeCloseTo(1.4, 12);
    expect(d.p90).toBeCloseTo(7.6, 12);
    expect(describeDistribution([])).toMatchObject({ count: 0, mean: null, median: null, counts: {} });
  });

  it('total variation distance is half the summed absolute differences', () => {
    expect(totalVariation({ a: 0.5, b: 0.5 }, { a: 0.8, b: 0.2 })).toBeCloseTo(0.3, 12);
    expect(totalVariation({ a: 1 }, { b: 1 })).toBe(1);
  });
});

describe('attribute coverage against the sampling rules', () => {
  it('expects each value at its share of the valid groups', () => {
    // Valid (age, gender, income, profession, residence) cores: child, teenager, elderly have
    // 1 profession x 1 income x 2 residences x 2 genders = 4 each. Other ages: 9 professions
    // x 3 incomes x 2 residences + driver, cleaner x 2 incomes x 2 + farmer x 3 incomes x rural
    // = 54 + 8 + 3 = 65, x 2 genders = 130 each. 3 x 4 + 3 x 130 = 402 cores, each with the
    // same number of trait/hobby combinations.
    const e = expectedAttributeShares();
    expect(e.age.child).toBeCloseTo(4 / 402, 12);
    expect(e.age.young_adult).toBeCloseTo(130 / 402, 12);
    // Farmers: 3 ages x 3 incomes x 2 genders; drivers: 3 ages x 2 incomes x 2 residences x 2 genders.
    expect(e.profession.farmer).toBeCloseTo(18 / 402, 12);
    expect(e.profession.driver).toBeCloseTo(24 / 402, 12);
    expect(e.profession.student).toBeCloseTo(8 / 402, 12);
    // High income: per other age and gender 9 x 2 residences + farmer 1 = 19 -> 19 x 2 x 3 = 114.
    expect(e.income_level.high_income).toBeCloseTo(114 / 402, 12);
    // Urban: 2 per young/elderly age (6); other ages per gender 9 x 3 + 2 x 2 = 31 -> 31 x 2 x 3 = 186.
    expect(e.residence.urban).toBeCloseTo(192 / 402, 12);
    expect(e.health).toEqual({ healthy: expect.closeTo(0.7, 12), minor_issue: expect.closeTo(0.2, 12), disabled: expect.closeTo(0.1, 12) });
    expect(e.hobby.music).toBeCloseTo(1 / 9, 12);
    expect(e.gender.female).toBeCloseTo(0.5, 12);
  });

  it('the noise distance is the mean absolute deviation of each share', () => {
    // Two values at 1/2, n = 100: each share deviates sqrt(2 * 0.25 / (pi * 100)) on average; half the sum of two.
    expect(noiseTvd({ a: 0.5, b: 0.5 }, 100)).toBeCloseTo(Math.sqrt(0.5 / (Math.PI * 100)), 12);
  });

  it('counts values, distances, rule violations and related-attribute mismatches', () => {
    const items = [
      item({ gender: 'female' }),
      item({ gender: 'female', GT: { related_attributes: { gender: 'male', hobby: 'reading' }, analysis: 'x', answer: 'y' } }),
      item({ gender: 'female' }),
      item({ gender: 'male' }),
    ];
    items[2] = { ...items[2], user_attr_group: { ...items[2].user_attr_group, age: 'child' } };
    const f = attributeFigures(items);
    // Three distinct groups: female adult, female child, male adult.
    expect(f.groups).toBe(3);
    expect(f.per_attribute.gender.counts).toEqual({ male: 1, female: 3 });
    // 3/4 female against 1/2: |0.75 - 0.5| + |0.25 - 0.5| = 0.5, halved.
    expect(f.per_attribute.gender.tvd).toBeCloseTo(0.25, 12);
    expect(f.per_attribute.gender.noise_tvd).toBeCloseTo(Math.sqrt(0.5 / (Math.PI * 3)), 12);
    expect(f.per_attribute.age.missing_values).toEqual(['teenager', 'young_adult', 'middle-aged', 'elderly']);
    // With 3 groups no value is common enough (5 expected groups) to be missed.
    expect(f.per_attribute.age.missing_expected).toEqual([]);
    // The child is a teacher with middle income: two rules broken, one item.
    expect(f.rule_violations).toEqual({ items: 1, reasons: { 'child must be a student': 1, 'child must have low income': 1 } });
    expect(f.related.value_mismatches).toBe(1);
    expect(f.related.per_attribute).toMatchObject({ hobby: 4, gender: 1, age: 0 });
    expect(f.related.distinct_sets).toBe(2);
    expect(f.related.set_size).toMatchObject({ count: 4, mean: 1.25, counts: { 1: 3, 2: 1 } });
  });

  it('counts tasks and the domains each uses of its listed ones', () => {
    const t = taskFigures([item(), item({ domain: 'Health' }), item({ domain: 'Made-up' }), item({ task: 'risk_detect', domain: null })]);
    expect(t.counts).toMatchObject({ decision: 3, risk_detect: 1, rank: 0 });
    expect(t.missing).toHaveLength(8);
    // decision lists 12 domains in protocol.json's task_info.
    expect(t.domains.decision).toEqual({ counts: { Sports: 1, Health: 1, 'Made-up': 1 }, covered: 2, listed: 12, unlisted: ['Made-up'] });
    expect(t.domains.risk_detect).toBeUndefined();
  });
});

describe('near-duplicates as the dedup step sees them', () => {
  it('counts same-task pairs at the threshold and what the step would drop', () => {
    const car = 'Should I buy a new electric car this year?';
    const items = [
      item({ index: 10, request: car }),
      item({ index: 11, request: car }),
      item({ index: 12, request: 'What is the best way to learn the piano as an adult?' }),
      item({ index: 13, task: 'rank', request: car }),
      item({ index: 14, task: 'risk_detect', domain: null, request: 'What risks do you think I might face?', GT: { related_attributes: {}, analysis: 'Long commutes strain the back.', answer: ['back pain'] } }),
      item({ index: 15, task: 'risk_detect', domain: null, request: 'What risks do you think I might face?', GT: { related_attributes: {}, analysis: 'Night shifts disturb sleep.', answer: ['insomnia'] } }),
    ];
    const f = nearDuplicateFigures(items);
    // Pairs within tasks: decision 3, rank 0, risk_detect 1 (analyses differ) = 4; one near pair.
    expect(f).toMatchObject({ threshold: 0.9, pairs: 4, near_pairs: 1, pair_share: 0.25, items_involved: 2, would_drop: 1, drop_share: 1 / 6 });
    expect(f.examples).toEqual([expect.objectContaining({ task: 'decision', index_a: 10, index_b: 11, similarity: 1, text_a: car })]);
  });

  itWithReference('finds exactly the pairs a full pairwise comparison finds (official requests, lower thresholds)', [TEST_SET], async () => {
    const items = (await readDataset(referencePath(TEST_SET))).items.map((x) => x.item);
    const vectors = tfidfVectors(items.map(dedupText));
    for (const threshold of [0.3, 0.5, 0.7]) {
      for (const task of ['recommend', 'risk_detect']) {
        const members = items.flatMap((it, i) => (it.task === task ? [i] : []));
        let brute = 0;
        for (let x = 0; x < members.length; x++) for (let y = x + 1; y < members.length; y++) if (sparseCosine(vectors[members[x]], vectors[members[y]]) >= threshold) brute++;
        expect(similarPairs(vectors, members, threshold)).toHaveLength(brute);
      }
    }
  });
});

describe('pipeline stats (stats.json of ipdialog datagen)', () => {
  const stats = {
    version: 1,
    finished: true,
    model: 'org/gen',
    steps: {
      answers: { units: 20, generated: 20, parsed: 18, parseFailures: 2, passed: 18, dropped: 2, dropReasons: { missing_answer: 2 }, outputs: 18, counters: {} },
      histories: {
        units: 10,
        generated: 60,
        parsed: 55,
        parseFailures: 5,
        passed: 7,
        dropped: 3,
        dropReasons: { inconsistent: 2, exam_failed: 1 },
        outputs: 7,
        counters: { exam: 40, exam_passed: 30, regenerate: 4, improve: 6, consistency: 32, rounds: 28 },
      },
    },
    dedup: { method: 'lexical', threshold: 0.9, duplicates: 1 },
    items: { dataset: 17, train: 15, test: 2 },
  };

  it('gives per-step rates and the histories step in the paper’s terms', () => {
    const p = pipelineFigures(JSON.stringify(stats), 'stats.json');
    expect(p.steps.map((s) => s.step)).toEqual(['answers', 'histories']);
    // answers: 18 of 20 passed, 2 of 20 calls unparsed.
    expect(p.steps[0]).toMatchObject({ pass_rate: 0.9, drop_rate: 0.1, parse_failure_rate: 0.1, drop_reasons: { missing_answer: 2 } });
    // histories: 7/10 passed, 5 of 60 calls unparsed; 30 of 40 exams passed.
    expect(p.steps[1]).toMatchObject({ model_calls: 60, pass_rate: 0.7, drop_rate: 0.3 });
    expect(p.steps[1].parse_failure_rate).toBeCloseTo(5 / 60, 12);
    expect(p.histories).toEqual({
      exams: 40,
      exams_passed: 30,
      exam_pass_rate: 0.75,
      regenerations: 4,
      improvements: 6,
      consistency_checks: 32,
      consistency_failures: 2,
      exam_failures: 1,
      sets: 10,
      sets_dropped: 3,
    });
    expect(p.dedup).toEqual({ method: 'lexical', threshold: 0.9, duplicates: 1 });
    expect(p.model).toBe('org/gen');
  });

  it('names the file and the field of a bad stats.json', () => {
    const bad = { ...stats, steps: { ...stats.steps, histories: { ...stats.steps.histories, units: 'ten' } } };
    const err = (() => {
      try {
        pipelineFigures(JSON.stringify(bad), 'runs/gen/stats.json');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(IpdError);
    expect(err).toMatchObject({ code: 'INPUT_INVALID', file: 'runs/gen/stats.json', field: 'steps.histories.units' });
    expect(() => pipelineFigures('{"steps": ', 'x.json')).toThrow(/x\.json is not valid JSON/);
  });
});

describe('the figures of a set', () => {
  it('counts distinct histories once, leaves out risk_detect’s fixed request and measures lengths', () => {
    const history = [
      [
        { speaker: 'User' as const, content: 'I run every morning.' },
        { speaker: 'AI' as const, content: 'Great habit!' },
      ],
    ];
    const items = [
      item({ history, request: 'Is a marathon too much?' }),
      item({ history, request: 'Which shoes should I buy?', GT: { related_attributes: {}, analysis: 'x', answer: ['Nike Pegasus', 'Hoka Clifton'] } }),
      item({ task: 'risk_detect', domain: null, request: 'What risks do you think I might face?' }),
    ];
    const q = computeQuality(items, { file: 'mem.jsonl' });
    // Two distinct histories: the shared one and the default of the third item.
    expect(q.histories).toEqual({ distinct: 2, items_per_history: 1.5 });
    expect(q.lexical.histories.texts).toBe(2);
    // Requests: the two decision ones (5 words each).
    expect(q.lexical.requests).toMatchObject({ texts: 2, tokens: 10 });
    expect(q.lengths.request_words).toMatchObject({ count: 2, mean: 5 });
    // Turns: "I run every morning." 4 words, "I finished another novel last night." 6; AI: 2 and 4.
    expect(q.lengths.words_per_user_turn.counts).toEqual({ 4: 1, 6: 1 });
    expect(q.lengths.words_per_ai_turn.counts).toEqual({ 2: 1, 4: 1 });
    expect(q.lengths.rounds_per_history.counts).toEqual({ 1: 2 });
    // Answers: "no" (1 word) twice, and the list "Nike Pegasus", "Hoka Clifton" (4 words).
    expect(q.lengths.answer_words.counts).toEqual({ 1: 2, 4: 1 });
    // Fewer tokens than one window: no equal-size figure.
    expect(q.lexical.histories.equal_size.windows).toBe(0);
  });
});
