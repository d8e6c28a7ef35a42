/**
 * Near-duplicates as the pipeline's dedup step sees them (pathways/datagen/dedup.ts): the
 * same text per item (the request; risk_detect: the GT analysis), the same TF-IDF vectors
 * (idf over the whole set), the same cosine and threshold, pairs only within a task.
 *
 * Counting every pair above the threshold is quadratic if done pair by pair. Instead each
 * vector indexes only its rarest terms, as many as needed that the terms left out cannot
 * reach the threshold on their own (their weight times the largest weight the term has in
 * any vector of the task sums to less than it: the AllPairs bound of Bayardo et al. 2007);
 * a pair at or above the threshold then shares an indexed term, so probing the index with
 * each vector's terms finds every such pair, and only those candidates get the exact cosine.
 */
import {
  DEFAULT_LEXICAL_THRESHOLD,
  dedupText,
  removeNearDuplicates,
  sparseCosine,
  tfidfVectors,
  type DialogItem,
  type SparseVector,
} from '../../pathways';

export interface NearDuplicatePair {
  task: string;
  /** positions in the file (0-based) and the items' `index` fields */
  a: number;
  b: number;
  index_a: number;
  index_b: number;
  similarity: number;
  text_a: string;
  text_b: string;
}

export interface NearDuplicateFigures {
  method: 'lexical';
  /** the pipeline's default lexical threshold */
  threshold: number;
  compared: string;
  /** item pairs within a task */
  pairs: number;
  /** of those, at or above the threshold */
  near_pairs: number;
  /** near_pairs / pairs */
  pair_share: number | null;
  /** items with at least one near-duplicate */
  items_involved: number;
  /** items the pipeline's dedup step would drop (keeping the first of each group) */
  would_drop: number;
  /** would_drop / items */
  drop_share: number | null;
  /** the most similar pairs, texts clipped */
  examples: NearDuplicatePair[];
}

const EXAMPLES = 20;
const CLIP = 240;
/** Keeps float rounding in the bound from losing a pair sitting right at the threshold. */
const BOUND_SLACK = 1e-9;

/** Pairs (i < j) of vectors with cosine >= threshold among `members` (indexes into `vectors`). */
export function similarPairs(vectors: readonly SparseVector[], members: readonly number[], threshold: number): Array<[number, number, number]> {
  const df = new Map<string, number>();
  const maxWeight = new Map<string, number>();
  for (const i of members) {
    for (const [t, w] of vectors[i]) {
      df.set(t, (df.get(t) ?? 0) + 1);
      if (w > (maxWeight.get(t) ?? 0)) maxWeight.set(t, w);
    }
  }
  const rareFirst = (a: string, b: string) => df.get(a)! - df.get(b)! || (a < b ? -1 : a > b ? 1 : 0);
  const index = new Map<string, number[]>();
  const out: Array<[number, number, number]> = [];
  for (const i of members) {
    const terms = [...vectors[i].keys()].sort(rareFirst);
    const candidates = new Set<number>();
    for (const t of terms) for (const j of index.get(t) ?? []) candidates.add(j);
    for (const j of candidates) {
      const s = sparseCosine(vectors[j], vectors[i]);
      if (s >= threshold) out.push([j, i, s]);
    }
    // Leave out the commonest terms while what they could add stays below the threshold.
    let bound = 0;
    let cut = terms.length;
    while (cut > 0) {
      const t = terms[cut - 1];
      const next = bound + vectors[i].get(t)! * maxWeight.get(t)!;
      if (next >= threshold - BOUND_SLACK) break;
      bound = next;
      cut--;
    }
    for (const t of terms.slice(0, cut)) {
      const postings = index.get(t);
      if (postings) postings.push(i);
      else index.set(t, [i]);
    }
  }
  return out;
}

export function nearDuplicateFigures(items: readonly DialogItem[], threshold = DEFAULT_LEXICAL_THRESHOLD): NearDuplicateFigures {
  const texts = items.map(dedupText);
  const vectors = tfidfVectors(texts);
  const byTask = new Map<string, number[]>();
  items.forEach((it, i) => {
    const members = byTask.get(it.task);
    if (members) members.push(i);
    else byTask.set(it.task, [i]);
  });
  let pairs = 0;
  const found: Array<[number, number, number]> = [];
  for (const members of byTask.values()) {
    pairs += (members.length * (members.length - 1)) / 2;
    found.push(...similarPairs(vectors, members, threshold));
  }
  const near = new Map<number, Map<number, number>>();
  const link = (i: number, j: number, s: number) => {
    const m = near.get(i) ?? new Map<number, number>();
    m.set(j, s);
    near.set(i, m);
  };
  for (const [i, j, s] of found) {
    link(i, j, s);
    link(j, i, s);
  }
  // The pipeline's own greedy pass decides what it would drop; pairs below the threshold
  // never change its decision, so they read as 0 here.
  const dropped = near.size === 0 ? 0 : removeNearDuplicates(items, (i, j) => near.get(i)?.get(j) ?? 0, threshold).duplicates.length;
  const clip = (s: string) => (s.length > CLIP ? `${s.slice(0, CLIP - 1)}…` : s);
  const examples = [...found]
    .sort((x, y) => y[2] - x[2] || x[0] - y[0] || x[1] - y[1])
    .slice(0, EXAMPLES)
    .map(([a, b, s]) => ({ task: items[a].task, a, b, index_a: items[a].index, index_b: items[b].index, similarity: Math.round(s * 1e4) / 1e4, text_a: clip(texts[a]), text_b: clip(texts[b]) }));
  return {
    method: 'lexical',
    threshold,
    compared: 'TF-IDF cosine of the request (risk_detect: the GT analysis), within each task',
    pairs,
    near_pairs: found.length,
    pair_share: pairs > 0 ? found.length / pairs : null,
    items_involved: near.size,
    would_drop: dropped,
    drop_share: items.length > 0 ? dropped / items.length : null,
    examples,
  };
}
