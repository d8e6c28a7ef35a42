import { kernelDot } from './exact-dot';
import type { ScreenIo } from './graph/screen-head';

/**
 * Greedy tokens from a screened LM head, identical to the argmax of the exact float32 head.
 *
 * The graph computes the head far more cheaply: the hidden state h rounded to int8 steps of
 * its row (h'), times int8 weights w' (per vocabulary entry), in integers (`A`). For every logit the screen's error
 * |X_v - A_v| is bounded by E (below), so only entries with A_v >= max A - 2E can hold the
 * exact maximum. Those are rescored exactly (kernelDot: bit-identical to the kernel's
 * float32 MatMul), best screen value first, until the best exact value beats every remaining
 * candidate's upper bound A_v + E. Ties keep the lower index, as ArgMax does. No entry
 * outside the candidates can win: X_u <= A_u + E < max A - E <= X_(argmax A) <= best exact.
 *
 * X - A = (h - h') . w + h' . (w - w'), so by Cauchy-Schwarz, for every entry v,
 *   E = |h - h'|_2 max_v |w_v|_2 + |h'|_2 max_v |w_v - w'_v|_2  + float32 rounding allowance,
 * with h - h' known exactly (the graph outputs h'), and both weight norms known from the
 * rewrite. (A sum of |h - h'| times the largest |w| also bounds it, but on the benchmark's
 * model a third more loosely, with three times as many candidates.)
 */
/**
 * The exact head's weight rows, [V, H]: row(v) gives entry v's H values (a view that may be
 * reused by the next call). Rescoring reads a handful of rows per token, so they need not
 * all be in memory (the Node host reads them from the rewrite's weight file).
 */
export interface HeadRows {
  row(v: number): Float32Array;
  /** Frees what the rows hold open (a file). */
  close?(): void;
}

/** Head rows held in memory as one [V, H] array. */
export class ArrayHeadRows implements HeadRows {
  constructor(
    private readonly data: Float32Array,
    private readonly hiddenSize: number,
  ) {}
  row(v: number): Float32Array {
    return this.data.subarray(v * this.hiddenSize, (v + 1) * this.hiddenSize);
  }
}

export class LmHeadScreen {
  readonly vocab: number;
  readonly hiddenSize: number;
  /** Candidates rescored exactly, greedy picks made, and rows whose whole screened row was needed (for stats). */
  numRescored = 0;
  numPicks = 0;
  numFullRows = 0;
  /** Milliseconds spent picking (scan, bound, rescoring). */
  pickMs = 0;

  constructor(
    private readonly io: ScreenIo,
    /** The exact head weight as [V, H] rows. */
    private readonly rows: HeadRows,
    /** K-block stride of this machine's float32 MatMul kernel (checked at load). */
    private readonly stride: number,
  ) {
    this.vocab = io.vocab;
    this.hiddenSize = io.hiddenSize;
  }

  /** Bound on |exact - screened| for every logit of the row at `off` (hidden h, its int8 rounding q). */
  bound(hidden: Float32Array, quantized: Float32Array, off: number): number {
    const { weightNorm, weightErrNorm, hiddenSize: H } = this.io;
    let diff2 = 0;
    let q2 = 0;
    let h2 = 0;
    for (let i = off; i < off + H; i++) {
      const d = hidden[i] - quantized[i];
      diff2 += d * d;
      q2 += quantized[i] * quantized[i];
      h2 += hidden[i] * hidden[i];
    }
    let e = Math.sqrt(diff2) * weightNorm + Math.sqrt(q2) * weightErrNorm;
    // Float32 rounding of both products (the kernel's sum and the screen's scalings): far
    // above (H + 64) * 2^-24 * sum |h_k w_k| <= (H + 64) * 2^-24 * |h|_2 |w|_2, twice.
    e += 4 * (H + 64) * 2 ** -24 * Math.sqrt(h2) * weightNorm;
    return e * 1.001;
  }

  release(): void {
    this.rows.close?.();
  }

  /** The exact float32 logit of entry v, as the head's MatMul computes it. */
  exact(hidden: Float32Array, hOff: number, v: number): number {
    return kernelDot(hidden, hOff, this.rows.row(v), 0, this.hiddenSize, this.stride);
  }

  /**
   * The exact argmax from a row's k largest screened logits (largest first), or undefined when
   * they do not settle it (then the whole row is needed: pick()). Rescoring goes down the list
   * and stops once the best exact value beats the next screened value + E; every entry below
   * the list has a screened value <= the list's last, so the list settles the row when the
   * rescoring stops within it, or when the best beats the last value + E. Most rows stop after
   * a few candidates, far fewer than lie within 2E of the top (on the benchmark's model 5 of 26
   * on average, at most 46 in 8,039 picks), so the graph's TopK can stay short.
   */
  pickTop(values: Float32Array, indices: BigInt64Array, tOff: number, k: number, hidden: Float32Array, quantized: Float32Array, hOff: number): number | undefined {
    const t0 = performance.now();
    const E = this.bound(hidden, quantized, hOff);
    const { best, bestX, settled } = this.rescoreDown(k, (j) => values[tOff + j], (j) => Number(indices[tOff + j]), hidden, hOff, E);
    this.pickMs += performance.now() - t0;
    // When the list ran out, the entries below it are at most its last value.
    if (!settled && !(bestX > values[tOff + k - 1] + E)) return undefined;
    this.numPicks++;
    return best;
  }

  /** The exact head's argmax for one row, from its screened logits, hidden state and its int8 rounding. */
  pick(screen: Float32Array, sOff: number, hidden: Float32Array, quantized: Float32Array, hOff: number): number {
    const t0 = performance.now();
    const v = this.pickWithin(screen, sOff, hidden, hOff, this.bound(hidden, quantized, hOff));
    this.pickMs += performance.now() - t0;
    return v;
  }

  /** The exact argmax, given that every screened logit is within E of its exact value. */
  pickWithin(screen: Float32Array, sOff: number, hidden: Float32Array, hOff: number, E: number): number {
    const V = this.vocab;
    let amax = -Infinity;
    for (let v = 0; v < V; v++) if (screen[sOff + v] > amax) amax = screen[sOff + v];
    const floor = amax - 2 * E;
    const cands: Array<{ v: number; a: number }> = [];
    for (let v = 0; v < V; v++) if (screen[sOff + v] >= floor) cands.push({ v, a: screen[sOff + v] });
    return this.rescore(cands, hidden, hOff, E);
  }

  /** Exact values of the candidates, best screen value first, until none left can win. */
  private rescore(cands: Array<{ v: number; a: number }>, hidden: Float32Array, hOff: number, E: number): number {
    cands.sort((x, y) => y.a - x.a || x.v - y.v);
    this.numPicks++;
    return this.rescoreDown(cands.length, (j) => cands[j].a, (j) => cands[j].v, hidden, hOff, E).best;
  }

  /**
   * Rescores n candidates in order of screened value (a(j), largest first) until the best exact
   * value beats the next one's a + E (settled: nothing after it can win). Ties keep the lower index.
   */
  private rescoreDown(n: number, a: (j: number) => number, v: (j: number) => number, hidden: Float32Array, hOff: number, E: number): { best: number; bestX: number; settled: boolean } {
    let best = -1;
    let bestX = -Infinity;
    for (let j = 0; j < n; j++) {
      if (best >= 0 && bestX > a(j) + E) return { best, bestX, settled: true };
      const entry = v(j);
      const x = this.exact(hidden, hOff, entry);
      this.numRescored++;
      if (x > bestX || (x === bestX && entry < best)) {
        bestX = x;
        best = entry;
      }
    }
    return { best, bestX, settled: false };
  }
}
