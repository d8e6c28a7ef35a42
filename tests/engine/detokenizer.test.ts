// engine/detokenizer.ts with a byte-level tokenizer whose decoding is worked out by hand: text
// deltas never end in half a UTF-8 character, and together they are the full decoding.
import { describe, expect, it } from 'vitest';
import { findStop, IncrementalDetokenizer } from '../../engine/detokenizer';
import type { TextTokenizer } from '../../models';

/** Token id -> bytes. "é" is C3 A9 and "😀" F0 9F 98 80 in UTF-8; each is split over tokens here. */
const VOCAB: Record<number, number[]> = {
  1: [0x48], // H
  2: [0x69], // i
  3: [0x20], // space
  4: [0xc3], // first byte of é
  5: [0xa9], // second byte of é
  6: [0xf0, 0x9f], // first half of 😀
  7: [0x98, 0x80], // second half of 😀
  0: [], // <eos>, a special token: decodes to nothing with skipSpecialTokens
};

const tokenizer = {
  decode(ids: ArrayLike<number>, opts?: { skipSpecialTokens?: boolean }) {
    const bytes = Array.from(ids).flatMap((id) => (id === 0 && !opts?.skipSpecialTokens ? [...new TextEncoder().encode('<eos>')] : VOCAB[id]));
    return new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
  },
} as unknown as TextTokenizer;

function stream(ids: number[]): string[] {
  const detok = new IncrementalDetokenizer(tokenizer);
  const seen: number[] = [];
  return ids.map((id) => {
    seen.push(id);
    return detok.push(seen);
  });
}

describe('IncrementalDetokenizer', () => {
  it('releases text token by token', () => {
    expect(stream([1, 2, 3])).toEqual(['H', 'i', ' ']);
  });

  it('holds back half a character until it is complete', () => {
    expect(stream([1, 4, 5, 3])).toEqual(['H', '', 'é', ' ']);
    expect(stream([6, 7, 1])).toEqual(['', '😀', 'H']);
  });

  it('the deltas add up to the whole decoding; special tokens add nothing', () => {
    const ids = [1, 2, 3, 4, 5, 6, 7, 0];
    const detok = new IncrementalDetokenizer(tokenizer);
    const deltas = ids.map((_, i) => detok.push(ids.slice(0, i + 1)));
    expect(deltas.join('')).toBe('Hi é😀');
    expect(detok.text).toBe('Hi é😀');
    expect(deltas[7]).toBe('');
  });
});

describe('findStop', () => {
  it('the earliest stop string at or after `from`; empty stops are ignored', () => {
    expect(findStop('a STOP b END', ['END', 'STOP'], 0)).toBe(2);
    expect(findStop('a STOP b END', ['END', 'STOP'], 3)).toBe(9);
    expect(findStop('abc', ['', 'x'], 0)).toBe(-1);
    expect(findStop('abc', ['a'], -5)).toBe(0);
  });
});
