import { Rng } from './rng';
import type { SamplingParams } from './types';

/** Picks one token id from a row of logits. Built once per request, at admission. */
export interface Sampler {
  readonly greedy: boolean;
  sample(logits: Float32Array): number;
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  let bestVal = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v > bestVal) {
      bestVal = v;
      best = i;
    }
  }
  return best;
}

const GREEDY: Sampler = { greedy: true, sample: argmax };

export function isGreedy(p: SamplingParams): boolean {
  return !p.temperature || p.temperature <= 0 || p.topK === 1;
}

export function createSampler(p: SamplingParams, defaultSeed: number): Sampler {
  if (isGreedy(p)) return GREEDY;
  const temperature = p.temperature!;
  const topK = p.topK && p.topK > 0 ? p.topK : 0;
  const topP = p.topP !== undefined && p.topP > 0 && p.topP < 1 ? p.topP : 1;
  const rng = new Rng(p.seed ?? defaultSeed);
  // Scratch buffers grow to the candidate count once and are reused for every token.
  let ids = new Int32Array(0);
  let probs = new Float64Array(0);
  return {
    greedy: false,
    sample(logits) {
      const n = logits.length;
      const k = topK > 0 ? Math.min(topK, n) : n;
      if (ids.length < n) {
        ids = new Int32Array(n);
        probs = new Float64Array(n);
      }
      // Candidates: the top-k by logit (all when k = n), sorted descending.
      let m = 0;
      if (k < n) m = selectTopK(logits, k, ids);
      else {
        for (let i = 0; i < n; i++) ids[i] = i;
        m = n;
      }
      const cand = ids.subarray(0, m);
      cand.sort((a, b) => logits[b] - logits[a] || a - b);
      const maxLogit = logits[cand[0]];
      let sum = 0;
      for (let i = 0; i < m; i++) {
        const e = Math.exp((logits[cand[i]] - maxLogit) / temperature);
        probs[i] = e;
        sum += e;
      }
      // Nucleus: the smallest prefix whose probability mass reaches top_p (at least one token).
      let keep = m;
      if (topP < 1) {
        let acc = 0;
        for (let i = 0; i < m; i++) {
          acc += probs[i] / sum;
          if (acc >= topP) {
            keep = i + 1;
            break;
          }
        }
      }
      let kept = 0;
      for (let i = 0; i < keep; i++) kept += probs[i];
      let r = rng.next() * kept;
      for (let i = 0; i < keep; i++) {
        r -= probs[i];
        if (r < 0) return cand[i];
      }
      return cand[keep - 1];
    },
  };
}

/** Writes the indices of the k largest logits into out[0..k) (unordered); returns k. */
function selectTopK(logits: Float32Array, k: number, out: Int32Array): number {
  // A min-heap of size k over (logit, index).
  let size = 0;
  const less = (a: number, b: number) => logits[a] < logits[b] || (logits[a] === logits[b] && a > b);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < size && less(out[l], out[s])) s = l;
      if (r < size && less(out[r], out[s])) s = r;
      if (s === i) return;
      const t = out[i];
      out[i] = out[s];
      out[s] = t;
      i = s;
    }
  };
  for (let i = 0; i < logits.length; i++) {
    if (size < k) {
      out[size] = i;
      let j = size++;
      while (j > 0) {
        const p = (j - 1) >> 1;
        if (!less(out[j], out[p])) break;
        const t = out[j];
        out[j] = out[p];
        out[p] = t;
        j = p;
      }
    } else if (less(out[0], i)) {
      out[0] = i;
      siftDown(0);
    }
  }
  return size;
}
