// Extraction and answer parsing run on untrusted model output: they must never throw,
// never hang, and agree with the official regexes (run here as backtracking JS regexes
// on short inputs, where that is harmless).
import { describe, expect, it } from 'vitest';
import { TASKS, type AttributeField } from '../../pathways';
import { extractResponse, parseAnswer, parseNumberedItems } from '../../scorers';
import { oracleExtract, oracleNumberedItems } from './helpers/regex-oracle';
import { createRandom, randomResponse } from './helpers/random-text';

const FIELDS: AttributeField[] = ['Attributes', 'Related Attribute Values', 'Attribute Values', 'Full Attribute Values'];
const NUM_RANDOM = 12_000;

describe('extraction and answer parsing on random and adversarial text', () => {
  it(`never throw and match the official patterns on ${NUM_RANDOM} random strings`, () => {
    const rnd = createRandom(20250611);
    const mismatches: string[] = [];
    let badAnswers = 0;
    for (let i = 0; i < NUM_RANDOM; i++) {
      const text = randomResponse(rnd);
      for (const field of FIELDS) {
        const ex = extractResponse(text, field);
        // The four fields share one code path; the oracle checks two of them (its regexes are slow).
        if (field === 'Attribute Values' || field === 'Full Attribute Values') continue;
        const oracle = oracleExtract(text, field);
        const ours = {
          attributes: ex.rules.attributes ? ex.attributes : null,
          analysis: ex.rules.analysis ? ex.analysis : null,
          answer: ex.rules.answer ? ex.answer : null,
        };
        if (JSON.stringify(ours) !== JSON.stringify(oracle) && mismatches.length < 5) mismatches.push(JSON.stringify({ text, field, ours, oracle }));
      }
      for (const task of TASKS) {
        const answer = parseAnswer(text, task);
        if (!(typeof answer === 'string' || Array.isArray(answer))) badAnswers++;
      }
      const items = parseNumberedItems(text);
      if (JSON.stringify(items) !== JSON.stringify(oracleNumberedItems(text)) && mismatches.length < 5) mismatches.push(JSON.stringify({ text, items }));
    }
    expect(mismatches).toEqual([]);
    expect(badAnswers).toBe(0);
  });

  it('treats non-strings and empty input as a response with nothing in it', () => {
    for (const value of ['', undefined, null, 42]) {
      const ex = extractResponse(value as unknown as string);
      expect(ex).toMatchObject({ attributes: '', analysis: '', answer: '', rules: {} });
    }
  });

  const MB = 1 << 19; // half a MiB: linear work is milliseconds, quadratic work would be hours
  const adversarial: Record<string, string> = {
    'many bracket prefixes, no closing bracket': 'Answer: ['.repeat(MB / 9),
    'many Analysis prefixes, no terminator': 'Analysis: x '.repeat(MB / 12),
    'bold Analysis then a huge whitespace run': `**Analysis**${' '.repeat(MB)}x`,
    'bold Analysis prefixes in whitespace': '**Analysis:** \n \n '.repeat(MB / 18),
    'Answer: then newlines and no number': `Answer:${' \n'.repeat(MB / 2)}x`,
    'numbered items that never terminate': `1. ${'a1. '.repeat(MB / 4)}\nx`,
    'a number then a huge space run': `1.${' '.repeat(MB)}x\ny`,
    'long digit runs without a period': `${'9'.repeat(MB)} 1. x`,
    'unbalanced brackets': '[['.repeat(MB / 2) + ']',
    'options with long whitespace tails': `A${' '.repeat(MB)}x, `.repeat(3),
    'unicode soup': '𝟙.🙂İıſ\u2028\x85'.repeat(MB / 16),
    'markdown answer prefixes': '- **Answer**: '.repeat(MB / 14),
    'json prefixes': '"Analysis": "Answer": ["Attributes": '.repeat(MB / 36),
  };
  for (const [name, text] of Object.entries(adversarial)) {
    it(`stays linear on ${name} (${Math.round(text.length / 1024)} KiB)`, () => {
      const start = performance.now();
      for (const field of FIELDS) {
        const ex = extractResponse(text, field);
        for (const task of TASKS) parseAnswer(ex.answer, task);
      }
      for (const task of TASKS) parseAnswer(text, task);
      // Generous for a busy 2-core machine; the quadratic versions took minutes.
      expect(performance.now() - start).toBeLessThan(10_000);
    });
  }
});
