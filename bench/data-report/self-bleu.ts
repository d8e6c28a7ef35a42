/**
 * BLEU and Self-BLEU (Zhu et al. 2018, Texygen): each text scored with BLEU-4 against all
 * the other texts of the set as references, averaged; higher means the texts repeat each
 * other more. BLEU follows NLTK's sentence_bleu with uniform weights (0.25 each) and
 * SmoothingFunction().method1 (a zero n-gram match count becomes 0.1 / the n-gram count), as
 * Texygen calls it, on the lower-cased words of ./tokens.ts.
 *
 * The score of a text needs, for each of its n-grams, the largest count of that n-gram in
 * any OTHER text. Keeping the largest count, which text holds it, and the second largest,
 * over the whole set answers that in constant time, so Self-BLEU over N texts costs one
 * pass over their n-grams, not N^2 BLEU computations.
 */
import { ngramCounts } from './tokens';

export const BLEU_MAX_ORDER = 4;
/** NLTK SmoothingFunction().method1's epsilon. */
export const BLEU_EPSILON = 0.1;

/**
 * BLEU from clipped match counts and n-gram totals per order (index 0 = unigrams), the
 * hypothesis length and the closest reference length.
 */
function bleuFromCounts(matches: readonly number[], totals: readonly number[], hypLength: number, refLength: number): number {
  // NLTK: no unigram match, BLEU 0 (no smoothing is applied then).
  if (matches[0] === 0) return 0;
  let logSum = 0;
  for (let n = 0; n < BLEU_MAX_ORDER; n++) {
    const denominator = Math.max(1, totals[n]);
    logSum += Math.log(matches[n] === 0 ? BLEU_EPSILON / denominator : matches[n] / denominator) / BLEU_MAX_ORDER;
  }
  const brevity = hypLength > refLength ? 1 : Math.exp(1 - refLength / hypLength);
  return brevity * Math.exp(logSum);
}

/** NLTK closest_ref_length: the reference length nearest the hypothesis', the shorter on a tie. */
function closestLength(lengths: Iterable<number>, hypLength: number): number {
  let best = Infinity;
  for (const r of lengths) {
    const d = Math.abs(r - hypLength);
    const bd = Math.abs(best - hypLength);
    if (d < bd || (d === bd && r < best)) best = r;
  }
  return best;
}

/** BLEU-4 of one tokenized hypothesis against tokenized references. */
export function sentenceBleu(references: ReadonlyArray<readonly string[]>, hypothesis: readonly string[]): number {
  const matches: number[] = [];
  const totals: number[] = [];
  for (let n = 1; n <= BLEU_MAX_ORDER; n++) {
    const refCounts = references.map((r) => ngramCounts(r, n));
    let m = 0;
    let t = 0;
    for (const [gram, count] of ngramCounts(hypothesis, n)) {
      m += Math.min(count, Math.max(0, ...refCounts.map((rc) => rc.get(gram) ?? 0)));
      t += count;
    }
    matches.push(m);
    totals.push(t);
  }
  return bleuFromCounts(matches, totals, hypothesis.length, closestLength(references.map((r) => r.length), hypothesis.length));
}

interface TopCounts {
  max1: number;
  /** the text holding max1 */
  text1: number;
  /** the largest count in any other text */
  max2: number;
}

/** Mean BLEU-4 of each text against all the others; null for fewer than two texts. */
export function selfBleu(texts: ReadonlyArray<readonly string[]>): number | null {
  if (texts.length < 2) return null;
  const perText = texts.map((tokens) => Array.from({ length: BLEU_MAX_ORDER }, (_, k) => ngramCounts(tokens, k + 1)));
  const tops = Array.from({ length: BLEU_MAX_ORDER }, () => new Map<string, TopCounts>());
  perText.forEach((orders, i) => {
    orders.forEach((counts, k) => {
      for (const [gram, c] of counts) {
        const top = tops[k].get(gram);
        if (!top) tops[k].set(gram, { max1: c, text1: i, max2: 0 });
        else if (c > top.max1) [top.max2, top.max1, top.text1] = [top.max1, c, i];
        else if (c > top.max2) top.max2 = c;
      }
    });
  });
  const sortedLengths = texts.map((t) => t.length).sort((a, b) => a - b);
  let sum = 0;
  perText.forEach((orders, i) => {
    const matches = orders.map((counts, k) => {
      let m = 0;
      for (const [gram, c] of counts) {
        const top = tops[k].get(gram)!;
        m += Math.min(c, top.text1 === i ? top.max2 : top.max1);
      }
      return m;
    });
    const totals = orders.map((_, k) => Math.max(0, texts[i].length - k));
    sum += bleuFromCounts(matches, totals, texts[i].length, closestOtherLength(sortedLengths, texts[i].length));
  });
  return sum / texts.length;
}

/** closestLength over all lengths but one copy of `own` (the text itself). */
function closestOtherLength(sorted: readonly number[], own: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < own) lo = mid + 1;
    else hi = mid;
  }
  // sorted[lo] is the text's own length; a second copy is an exact match.
  if (sorted[lo + 1] === own) return own;
  const around = [sorted[lo - 1], sorted[lo + 1]].filter((v) => v !== undefined);
  return closestLength(around, own);
}
