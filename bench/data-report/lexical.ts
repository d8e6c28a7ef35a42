/**
 * Lexical diversity of a set of texts.
 *
 * distinct-n (Li et al. 2016): distinct n-grams / all n-grams over the whole set, n-grams
 * never crossing from one text into the next. It falls as a set grows (more text repeats
 * more), so sets of different size are compared on equal-size samples instead: the texts
 * in a seeded order are cut into consecutive windows of the same number of tokens, each
 * window's type-token ratio (= its distinct-1) and distinct-2/3 are taken, and the windows
 * averaged (the "standardised TTR" of corpus linguistics); a last, shorter window is left out.
 *
 * n-grams are counted as dense integer ids (./ngram-ids.ts), which keeps a 10,000-item set
 * to seconds.
 */
import { ngramIds, type NgramIds } from './ngram-ids';

export interface DistinctCount {
  /** distinct n-grams */
  unique: number;
  /** all n-grams */
  total: number;
  /** unique / total; null when there is no n-gram */
  ratio: number | null;
}

/** distinct-1, distinct-2 and distinct-3 of the texts (index 0 = distinct-1). */
export function distinctCounts(texts: ReadonlyArray<readonly string[]>, ids: NgramIds = ngramIds(texts, 3)): DistinctCount[] {
  return ids.distinct.map((unique, k) => {
    const total = texts.reduce((a, t) => a + Math.max(0, t.length - k), 0);
    return { unique, total, ratio: total > 0 ? unique / total : null };
  });
}

export function distinctN(texts: ReadonlyArray<readonly string[]>, n: 1 | 2 | 3): DistinctCount {
  return distinctCounts(texts)[n - 1];
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

/**
 * Standardised diversity over `windowTokens`-token windows of the texts taken in `order`
 * (indexes into texts; default as given). `ids` may be passed when already built.
 */
export function windowDiversity(
  texts: ReadonlyArray<readonly string[]>,
  windowTokens: number,
  order: readonly number[] = texts.map((_, i) => i),
  { byOrder, distinct }: NgramIds = ngramIds(texts, 3),
): WindowDiversity {
  const ratios: number[][] = [[], [], []];
  // seen[k][id] === window: the n-gram was met in the current window (no clearing between windows).
  const seen = distinct.map((d) => new Int32Array(d).fill(-1));
  const uniques = [0, 0, 0];
  const totals = [0, 0, 0];
  let window = 0;
  let filled = 0;
  for (const t of order) {
    const words = byOrder[0][t];
    // Where the current window began inside this text: its n-grams may not start earlier.
    let windowStart = 0;
    for (let p = 0; p < words.length; p++) {
      filled++;
      for (let k = 0; k < 3 && p - k >= windowStart; k++) {
        const id = byOrder[k][t][p];
        if (seen[k][id] !== window) {
          seen[k][id] = window;
          uniques[k]++;
        }
        totals[k]++;
      }
      if (filled === windowTokens) {
        for (let k = 0; k < 3; k++) {
          if (totals[k] > 0) ratios[k].push(uniques[k] / totals[k]);
          uniques[k] = 0;
          totals[k] = 0;
        }
        window++;
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
