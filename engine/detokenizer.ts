import type { TextTokenizer } from '../models';

/**
 * Turns a growing token list into text deltas without re-decoding everything each token
 * (the prefix/read offset scheme of HF and vLLM streamers): a delta is released once it
 * no longer ends in an incomplete UTF-8 sequence.
 */
export class IncrementalDetokenizer {
  private prefixOffset = 0;
  private readOffset = 0;
  text = '';

  constructor(private readonly tokenizer: TextTokenizer) {}

  /** Call after tokens were appended to `ids`; returns the new text (maybe ''). */
  push(ids: readonly number[]): string {
    const prefix = this.tokenizer.decode(ids.slice(this.prefixOffset, this.readOffset), { skipSpecialTokens: true });
    const full = this.tokenizer.decode(ids.slice(this.prefixOffset), { skipSpecialTokens: true });
    if (full.length > prefix.length && !full.endsWith('\uFFFD')) {
      const delta = full.slice(prefix.length);
      this.prefixOffset = this.readOffset;
      this.readOffset = ids.length;
      this.text += delta;
      return delta;
    }
    return '';
  }
}

/** Index of the earliest stop string in `text` at or after `from`, or -1. */
export function findStop(text: string, stops: readonly string[], from: number): number {
  let best = -1;
  for (const s of stops) {
    if (!s) continue;
    const i = text.indexOf(s, Math.max(0, from));
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}
