/**
 * Lexical diversity of a set of texts.
 *
 * distinct-n (Li et al. 2016): distinct n-grams / all n-grams over the whole set, n-grams
 * never crossing from one text into the next. It falls as a set grows (more text repeats
 * more), so sets of different size are compared on equal-size samples instead: the texts
 * in a seeded order are cut into consecutive windows of the same number of tokens, each
 * window's type-token ratio (= its distinct-1) and distinct-2/3 are taken, and the windows
 * averaged (the "standardised TTR" of corpus linguistics); a last, shorter window is left out.
 */
import { ngramKeys } from './tokens';

export interface DistinctCount {
  /** distinct n-grams */
  unique: number;
  /** all n-grams */
  total: number;
  /** unique / total; null when there is no n-gram */
  ratio: number | null;
}

export function distinctN(texts: ReadonlyArray<readonly string[]>, n: number): DistinctCount {
  const seen = new Set<string>();
  let total = 0;
  for (const tokens of texts) {
    for (const key of ngramKeys(tokens, n)) seen.add(key);
    total += Math.max(0, tokens.length - n + 1);
  }
  return { unique: seen.size, total, ratio: total > 0 ? seen.size / total : null };
}

export interface WindowDiversity {
  /** tokens per window */
  window_tokens: number;
  /** full windows averaged */
  windows: number;
  /** mean type-token ratio of the windows (distinct-1 at equal size); null below one window */
  ttr: number | null;
  /** mean distinct-2 of the windows */
  distinct_2: number | null;
  /** mean distinct-3 of the windows */
  distinct_3: number | null;
}

/** Standardised diversity over `windowTokens`-token windows of the texts in the given order. */
export function windowDiversity(texts: ReadonlyArray<readonly string[]>, windowTokens: number): WindowDiversity {
  const ratios: number[][] = [[], [], []];
  const sets = [new Set<string>(), new Set<string>(), new Set<string>()];
  const totals = [0, 0, 0];
  let filled = 0;
  for (const tokens of texts) {
    // Where the current window began inside this text: its n-grams may not start earlier.
    let windowStart = 0;
    for (let p = 0; p < tokens.length; p++) {
      filled++;
      for (let n = 1; n <= 3; n++) {
        if (p - n + 1 < windowStart) continue;
        sets[n - 1].add(n === 1 ? tokens[p] : tokens.slice(p - n + 1, p + 1).join(' '));
        totals[n - 1]++;
      }
      if (filled === windowTokens) {
        for (let k = 0; k < 3; k++) {
          if (totals[k] > 0) ratios[k].push(sets[k].size / totals[k]);
          sets[k].clear();
          totals[k] = 0;
        }
        filled = 0;
        windowStart = p + 1;
      }
    }
  }
  return { window_tokens: windowTokens, windows: ratios[0].length, ttr: mean(ratios[0]), distinct_2: mean(ratios[1]), distinct_3: mean(ratios[2]) };
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}
