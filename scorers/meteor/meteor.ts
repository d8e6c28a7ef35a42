/**
 * NLTK 3.8 `meteor_score` for one reference: words lower-cased, aligned by exact match, then
 * Porter stems, then WordNet synonyms (each stage on what the previous left, the synonym
 * stage comparing the *stemmed* leftovers as NLTK does), then
 * F-mean (alpha) with a fragmentation penalty gamma * (chunks / matches) ^ beta.
 */
import { pyPowInt } from '../python-compat';

export interface MeteorParams {
  alpha: number;
  beta: number;
  gamma: number;
}

export const NLTK_METEOR_PARAMS: MeteorParams = { alpha: 0.9, beta: 3, gamma: 0.5 };

export interface MeteorMatchers {
  stem: (word: string) => string;
  /** Synonyms of a hypothesis word, the word itself included. */
  synonyms: (word: string) => ReadonlySet<string>;
}

type Enum = Array<[index: number, word: string]>;
type Pair = [hyp: number, ref: number];

/**
 * NLTK's _match_enums: hypothesis words from last to first, each taking the last remaining
 * equal reference word. A per-word stack of reference positions gives the same pairs
 * without the quadratic scan.
 */
function matchEqual(hyp: Enum, ref: Enum): { pairs: Pair[]; hyp: Enum; ref: Enum } {
  const stacks = new Map<string, number[]>();
  ref.forEach(([, w], j) => {
    const s = stacks.get(w);
    if (s) s.push(j);
    else stacks.set(w, [j]);
  });
  const pairs: Pair[] = [];
  const usedRef = new Set<number>();
  const leftHyp: Enum = [];
  for (let i = hyp.length - 1; i >= 0; i--) {
    const j = stacks.get(hyp[i][1])?.pop();
    if (j === undefined) leftHyp.push(hyp[i]);
    else {
      pairs.push([hyp[i][0], ref[j][0]]);
      usedRef.add(j);
    }
  }
  return { pairs, hyp: leftHyp.reverse(), ref: ref.filter((_, j) => !usedRef.has(j)) };
}

/** NLTK's _enum_wordnetsyn_match: the last remaining reference word in the hypothesis word's synonym set. */
function matchSynonyms(hyp: Enum, ref: Enum, synonyms: MeteorMatchers['synonyms']): Pair[] {
  const pairs: Pair[] = [];
  const refLeft = [...ref];
  for (let i = hyp.length - 1; i >= 0; i--) {
    const syns = synonyms(hyp[i][1]);
    for (let j = refLeft.length - 1; j >= 0; j--) {
      if (syns.has(refLeft[j][1])) {
        pairs.push([hyp[i][0], refLeft[j][0]]);
        refLeft.splice(j, 1);
        break;
      }
    }
  }
  return pairs;
}

/** Fewest chunks of matches adjacent in both hypothesis and reference (matches sorted by hypothesis index). */
function countChunks(matches: readonly Pair[]): number {
  let chunks = 1;
  for (let i = 0; i < matches.length - 1; i++) {
    if (!(matches[i + 1][0] === matches[i][0] + 1 && matches[i + 1][1] === matches[i][1] + 1)) chunks++;
  }
  return chunks;
}

export function alignWords(reference: readonly string[], hypothesis: readonly string[], m: MeteorMatchers): Pair[] {
  const hyp: Enum = hypothesis.map((w, i) => [i, w.toLowerCase()]);
  const ref: Enum = reference.map((w, i) => [i, w.toLowerCase()]);
  const exact = matchEqual(hyp, ref);
  const stem = (e: Enum): Enum => e.map(([i, w]) => [i, m.stem(w)]);
  const stemmed = matchEqual(stem(exact.hyp), stem(exact.ref));
  const synonyms = matchSynonyms(stemmed.hyp, stemmed.ref, m.synonyms);
  // Sorted by hypothesis index; each index occurs once, so the order is total.
  return [...exact.pairs, ...stemmed.pairs, ...synonyms].sort((a, b) => a[0] - b[0]);
}

/** single_meteor_score(reference, hypothesis): 0 where NLTK hits a ZeroDivisionError. */
export function meteorScore(reference: readonly string[], hypothesis: readonly string[], m: MeteorMatchers, p: MeteorParams = NLTK_METEOR_PARAMS): number {
  const matches = alignWords(reference, hypothesis, m);
  const count = matches.length;
  if (hypothesis.length === 0 || reference.length === 0 || count === 0) return 0;
  const precision = count / hypothesis.length;
  const recall = count / reference.length;
  const fmean = (precision * recall) / (p.alpha * precision + (1 - p.alpha) * recall);
  const fragFrac = countChunks(matches) / count;
  const penalty = p.gamma * pyPowInt(fragFrac, p.beta);
  return (1 - penalty) * fmean;
}
