// The factory's number formats, checked directly (the variant tests check them end to end).
import { describe, expect, it } from 'vitest';
import { fromHalfBits, toHalfArray, toHalfBits } from '../../models/tiny/half';
import { dequantizeQ4, quantizeQ4 } from '../../models/tiny/q4';
import { uniformTensor } from '../../models/tiny/rng';
import { TINY_PRESETS, tinyModelName, tinyParameterCount } from '../../models/tiny';

describe('float16 conversion', () => {
  it('round-trips every finite half value', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = fromHalfBits(h);
      if (Number.isNaN(v)) continue;
      expect(toHalfBits(v) === h || (v === 0 && (h & 0x7fff) === 0)).toBe(true);
    }
  });

  it('rounds to nearest even, overflows to infinity and flushes tiny values as IEEE does', () => {
    const xs = Float32Array.of(1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65520, 2 ** -25, 1.5 * 2 ** -24, -0.1);
    expect(Array.from(toHalfArray(xs), fromHalfBits)).toEqual([1, 1 + 2 ** -9, 65504, Infinity, 0, 2 ** -23, -0.0999755859375]);
  });
});

describe('4-bit blocks (MatMulNBits layout)', () => {
  it('packs the low nibble first and maps each block extreme to -8 exactly', () => {
    const w = new Float32Array(32).fill(0);
    w[0] = -1; // extreme: scale = -1 / -8 = 0.125, q = -1 / 0.125 + 8 = 0
    w[1] = 0.5; // q = 4 + 8 = 12
    const q = quantizeQ4(w, 1, 32);
    expect(q.scales[0]).toBe(0.125);
    expect(q.packed[0]).toBe(0 | (12 << 4));
    expect(q.packed[1]).toBe(8 | (8 << 4)); // zeros sit at the zero point 8
    expect(Array.from(dequantizeQ4(q).slice(0, 3))).toEqual([-1, 0.5, 0]);
  });

  it('dequantizes within one step of the original (half a step unless clipped at +7)', () => {
    const [n, k] = [8, 64];
    const w = uniformTensor(3, 'w', n * k, 0.1);
    const q = quantizeQ4(w, n, k);
    const back = dequantizeQ4(q);
    for (let i = 0; i < w.length; i++) expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(Math.abs(q.scales[Math.floor(i / 32)]) + 1e-7);
  });
});

describe('presets and names', () => {
  it('gives the bench preset ~174M parameters and the test preset a tiny body on the real vocabulary', () => {
    expect(tinyParameterCount(TINY_PRESETS.bench) / 1e6).toBeCloseTo(174.0, 0);
    expect(tinyParameterCount(TINY_PRESETS.test)).toBe(2 * 128256 * 64 + 2 * 49_280 + 64);
  });

  it('derives folder names from every option', () => {
    expect(tinyModelName()).toBe('tiny-test-s0-llama-fp32');
    expect(tinyModelName({ preset: 'bench', seed: 7, dtypes: ['q4f16', 'fp32'], family: 'qwen2', attention: 'gqa', positionIds: false, numLogitsToKeep: true, externalData: true })).toBe(
      'tiny-bench-s7-qwen2-fp32+q4f16-gqa-nopos-keep-ext',
    );
    expect(tinyModelName({ architecture: { numLayers: 1 } })).toMatch(/^tiny-test-s0-llama-fp32-a[0-9a-f]{8}$/);
  });

  it('draws the same weights for the same (seed, name) and different ones otherwise', () => {
    expect(uniformTensor(1, 'a', 16, 1)).toEqual(uniformTensor(1, 'a', 16, 1));
    expect(uniformTensor(1, 'a', 16, 1)).not.toEqual(uniformTensor(2, 'a', 16, 1));
    expect(uniformTensor(1, 'a', 16, 1)).not.toEqual(uniformTensor(1, 'b', 16, 1));
  });
});
