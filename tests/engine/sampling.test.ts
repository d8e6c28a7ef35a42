// engine/sampling.ts against probabilities worked out by hand: softmax(logits / T), top-k and
// top-p cut-offs, seeds. Draw frequencies are compared with 5 standard deviations of slack.
import { describe, expect, it } from 'vitest';
import { argmax, createSampler } from '../../engine';
import { isGreedy } from '../../engine/sampling';

/** Logits ln 1 .. ln 4: at temperature 1 the probabilities are 1:2:3:4, i.e. 0.1, 0.2, 0.3, 0.4. */
const LOGITS = Float32Array.from([1, 2, 3, 4].map(Math.log));
const N = 40_000;

function frequencies(sample: (l: Float32Array) => number, logits = LOGITS, n = N): number[] {
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < n; i++) counts[sample(logits)]++;
  return counts.map((c) => c / n);
}

function expectFrequencies(got: number[], expected: number[]): void {
  expected.forEach((p, i) => {
    const slack = 5 * Math.sqrt((p * (1 - p)) / N) + 1e-12;
    expect(Math.abs(got[i] - p), `id ${i}: ${got[i]} vs ${p}`).toBeLessThanOrEqual(slack);
  });
}

describe('argmax', () => {
  it('the first of equal maxima; -Infinity (masked) never wins over a finite logit', () => {
    expect(argmax([0.5, 2, -1, 2])).toBe(1);
    expect(argmax(Float32Array.from([-Infinity, -3, -Infinity]))).toBe(1);
    expect(argmax([7])).toBe(0);
  });
});

describe('createSampler', () => {
  it('greedy when temperature is 0, absent or negative, or top-k is 1', () => {
    for (const p of [{}, { temperature: 0 }, { temperature: -1 }, { temperature: 0.8, topK: 1 }]) {
      expect(isGreedy({ maxNewTokens: 1, ...p }), JSON.stringify(p)).toBe(true);
      const s = createSampler({ maxNewTokens: 1, ...p }, 1);
      expect(s.greedy).toBe(true);
      expect(s.sample(LOGITS)).toBe(3);
    }
    expect(isGreedy({ maxNewTokens: 1, temperature: 0.8 })).toBe(false);
  });

  it('temperature 1 draws in proportion to exp(logit): 0.1, 0.2, 0.3, 0.4', () => {
    const s = createSampler({ maxNewTokens: 1, temperature: 1, seed: 7 }, 0);
    expectFrequencies(frequencies((l) => s.sample(l)), [0.1, 0.2, 0.3, 0.4]);
  });

  it('temperature 0.5 squares the odds: 1:4:9:16 over 30', () => {
    const s = createSampler({ maxNewTokens: 1, temperature: 0.5, seed: 8 }, 0);
    expectFrequencies(frequencies((l) => s.sample(l)), [1 / 30, 4 / 30, 9 / 30, 16 / 30]);
  });

  it('top-k 2 keeps the two largest logits, renormalized: 3/7 and 4/7', () => {
    const s = createSampler({ maxNewTokens: 1, temperature: 1, topK: 2, seed: 9 }, 0);
    expectFrequencies(frequencies((l) => s.sample(l)), [0, 0, 3 / 7, 4 / 7]);
  });

  it('top-p keeps the smallest prefix of the sorted probabilities reaching p', () => {
    // Sorted: 0.4, 0.3, 0.2, 0.1. p = 0.6: 0.4 < 0.6, 0.7 >= 0.6, so ids 3 and 2 (4/7, 3/7).
    const s = createSampler({ maxNewTokens: 1, temperature: 1, topP: 0.6, seed: 10 }, 0);
    expectFrequencies(frequencies((l) => s.sample(l)), [0, 0, 3 / 7, 4 / 7]);
    // p = 0.35: the most likely token alone already reaches it.
    const one = createSampler({ maxNewTokens: 1, temperature: 1, topP: 0.35, seed: 10 }, 0);
    expect(new Set(Array.from({ length: 2000 }, () => one.sample(LOGITS)))).toEqual(new Set([3]));
  });

  it('a masked (-Infinity) logit is never drawn', () => {
    const logits = Float32Array.from([0, -Infinity, 0, -Infinity]);
    const s = createSampler({ maxNewTokens: 1, temperature: 2, seed: 11 }, 0);
    expectFrequencies(frequencies((l) => s.sample(l), logits), [0.5, 0, 0.5, 0]);
  });

  it('a seed fixes the draws (the request seed before the default); other seeds give others', () => {
    const draw = (seed: number | undefined, fallback: number) => {
      const s = createSampler({ maxNewTokens: 1, temperature: 1, ...(seed !== undefined && { seed }) }, fallback);
      return Array.from({ length: 64 }, () => s.sample(LOGITS));
    };
    expect(draw(5, 1)).toEqual(draw(5, 2));
    expect(draw(undefined, 5)).toEqual(draw(5, 99));
    expect(draw(5, 1)).not.toEqual(draw(6, 1));
  });
});
