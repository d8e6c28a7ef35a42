/**
 * Step "dedup": near-duplicate removal by cosine similarity, within each task, keeping the
 * first of each near-duplicate pair in dataset order.
 *
 * What is compared: the request; for risk_detect, whose request is the same for everyone,
 * the GT analysis instead. Vectors come from an embedding model when the runner has one
 * (`EmbedFn`), else from the lexical fallback below.
 *
 * Lexical fallback: TF-IDF over lower-cased word unigrams and bigrams (smoothed idf,
 * ln((1 + N) / (1 + df)) + 1, as scikit-learn), L2-normalized, cosine = dot product. It
 * catches reworded copies that share most words, not paraphrases.
 */
import type { DialogItem } from '../schema';
import { plainStepStats, type StepStats } from './stats';

/** Dense embeddings of texts, one vector per text (any scale: they are normalized here). */
export type EmbedFn = (texts: string[]) => Promise<number[][]>;

export type SparseVector = ReadonlyMap<string, number>;

/** Defaults: an embedding model puts paraphrases close; TF-IDF scores them lower. */
export const DEFAULT_EMBEDDING_THRESHOLD = 0.95;
export const DEFAULT_LEXICAL_THRESHOLD = 0.9;

export function dedupText(item: Pick<DialogItem, 'task' | 'request' | 'GT'>): string {
  return item.task === 'risk_detect' ? item.GT.analysis : item.request;
}

function terms(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = [...words];
  for (let i = 0; i + 1 < words.length; i++) out.push(`${words[i]} ${words[i + 1]}`);
  return out;
}

export function tfidfVectors(texts: readonly string[]): SparseVector[] {
  const docs = texts.map(terms);
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  return docs.map((d) => {
    const v = new Map<string, number>();
    for (const t of d) v.set(t, (v.get(t) ?? 0) + 1);
    let norm = 0;
    for (const [t, tf] of v) {
      const w = tf * (Math.log((1 + n) / (1 + df.get(t)!)) + 1);
      v.set(t, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (const [t, w] of v) v.set(t, w / norm);
    return v;
  });
}

export function sparseCosine(a: SparseVector, b: SparseVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [t, w] of small) dot += w * (large.get(t) ?? 0);
  return dot;
}

export function normalize(v: readonly number[]): Float64Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  return Float64Array.from(v, (x) => (norm > 0 ? x / norm : 0));
}

export function denseCosine(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

export interface DuplicateRecord {
  index: number;
  duplicateOf: number;
  similarity: number;
}

export interface DedupResult {
  items: DialogItem[];
  duplicates: DuplicateRecord[];
  stats: StepStats;
}

/** Greedy: an item is dropped when it is at least `threshold` similar to a kept item of its task. */
export function removeNearDuplicates(items: readonly DialogItem[], similarity: (i: number, j: number) => number, threshold: number): DedupResult {
  const keptByTask = new Map<string, number[]>();
  const kept: DialogItem[] = [];
  const duplicates: DuplicateRecord[] = [];
  items.forEach((item, i) => {
    const same = keptByTask.get(item.task) ?? [];
    let best = -Infinity;
    let bestJ = -1;
    for (const j of same) {
      const s = similarity(i, j);
      if (s > best) [best, bestJ] = [s, j];
    }
    if (bestJ >= 0 && best >= threshold) {
      duplicates.push({ index: item.index, duplicateOf: items[bestJ].index, similarity: Math.round(best * 1e4) / 1e4 });
      return;
    }
    same.push(i);
    keptByTask.set(item.task, same);
    kept.push(item);
  });
  const reasons: Record<string, number> = duplicates.length ? { near_duplicate: duplicates.length } : {};
  return { items: kept, duplicates, stats: plainStepStats(items.length, kept.length, reasons) };
}

export type DedupMethod = { kind: 'embedding'; embed: EmbedFn; threshold?: number } | { kind: 'lexical'; threshold?: number };

/** Near-duplicate removal with an embedding model or the lexical fallback. */
export async function dedupItems(items: readonly DialogItem[], method: DedupMethod): Promise<DedupResult & { threshold: number }> {
  const texts = items.map(dedupText);
  if (method.kind === 'embedding') {
    const threshold = method.threshold ?? DEFAULT_EMBEDDING_THRESHOLD;
    const vectors = texts.length ? (await method.embed(texts)).map(normalize) : [];
    return { ...removeNearDuplicates(items, (i, j) => denseCosine(vectors[i], vectors[j]), threshold), threshold };
  }
  const threshold = method.threshold ?? DEFAULT_LEXICAL_THRESHOLD;
  const vectors = tfidfVectors(texts);
  return { ...removeNearDuplicates(items, (i, j) => sparseCosine(vectors[i], vectors[j]), threshold), threshold };
}
