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
 * pass over their n-grams (as integer ids, ./ngram-ids.ts), not N^2 BLEU computations.
 * sentenceBleu is the plain one-hypothesis form.
 */
import { ngramIds } from './ngram-ids';
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

/** Mean BLEU-4 of each text against all the others; null for fewer than two texts. */
export function selfBleu(texts: ReadonlyArray<readonly string[]>): number | null {
  if (texts.length < 2) return null;
  const { byOrder, distinct } = ngramIds(texts, BLEU_MAX_ORDER);
  // Per order and text: its distinct n-grams and how often each occurs in it.
  const runs = byOrder.map((perText, k) => perText.map((ids) => countRuns(ids.subarray(k))));
  // Per order and n-gram: the largest count in any text, that text, and the largest in any other.
  const tops = distinct.map((d) => ({ max1: new Int32Array(d), text1: new Int32Array(d).fill(-1), max2: new Int32Array(d) }));
  runs.forEach((perText, k) => {
    const { max1, text1, max2 } = tops[k];
    perText.forEach(({ ids, counts }, i) => {
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j];
        const c = counts[j];
        if (c > max1[id]) {
          max2[id] = max1[id];
          max1[id] = c;
          text1[id] = i;
        } else if (c > max2[id]) max2[id] = c;
      }
    });
  });
  const sortedLengths = texts.map((t) => t.length).sort((a, b) => a - b);
  let sum = 0;
  texts.forEach((tokens, i) => {
    const matches = runs.map((perText, k) => {
      const { ids, counts } = perText[i];
      const { max1, text1, max2 } = tops[k];
      let m = 0;
      for (let j = 0; j < ids.length; j++) m += Math.min(counts[j], text1[ids[j]] === i ? max2[ids[j]] : max1[ids[j]]);
      return m;
    });
    const totals = runs.map((_, k) => Math.max(0, tokens.length - k));
    sum += bleuFromCounts(matches, totals, tokens.length, closestOtherLength(sortedLengths, tokens.length));
  });
  return sum / texts.length;
}

/** The distinct ids of a list and how often each occurs. */
function countRuns(list: Int32Array): { ids: Int32Array; counts: Int32Array } {
  const sorted = list.slice().sort();
  const ids: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) counts[counts.length - 1]++;
    else {
      ids.push(sorted[i]);
      counts.push(1);
    }
  }
  return { ids: Int32Array.from(ids), counts: Int32Array.from(counts) };
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
