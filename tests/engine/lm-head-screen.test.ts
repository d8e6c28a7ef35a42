// The screened LM head's certified argmax: whatever the screen's error within its bound,
// the pick is the exact head's argmax (lowest index on ties), found by brute force here.
import { describe, expect, it } from 'vitest';
import { kernelDot } from '../../engine/exact-dot';
import type { ScreenIo } from '../../engine/graph/screen-head';
import { ArrayHeadRows, LmHeadScreen } from '../../engine/lm-head-screen';

const H = 64;
const V = 3000;

function bruteArgmax(rows: Float32Array, hidden: Float32Array): number {
  let best = 0;
  let bestX = -Infinity;
  for (let v = 0; v < V; v++) {
    const x = kernelDot(hidden, 0, rows, v * H, H, 256);
    if (x > bestX) {
      bestX = x;
      best = v;
    }
  }
  return best;
}

describe('LmHeadScreen.pickWithin', () => {
  const io = { vocab: V, hiddenSize: H, weightNorm: 0, weightErrNorm: 0 } as unknown as ScreenIo;

  it('finds the exact argmax whatever the screen error within the bound, ties going to the lower index', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (let trial = 0; trial < 40; trial++) {
      const rows = new Float32Array(V * H).map(() => Math.fround(rnd() * 0.1));
      // Near-ties and exact ties among the likely winners: copies and one-ulp changes of a row.
      const hidden = new Float32Array(H).map(() => Math.fround(rnd()));
      const top = bruteArgmax(rows, hidden);
      rows.copyWithin(((top + 17) % V) * H, top * H, top * H + H); // an exact tie at another index
      const near = ((top + 29) % V) * H;
      rows.copyWithin(near, top * H, top * H + H);
      rows[near + trial % H] = Math.fround(rows[near + (trial % H)] * (1 + 2 ** -20)); // a near tie
      const exact = Array.from({ length: V }, (_, v) => kernelDot(hidden, 0, rows, v * H, H, 256));
      const E = 0.05 + 0.2 * Math.abs(rnd());
      // The worst screens: each logit off by up to E, adversarially towards the wrong entries.
      const want = bruteArgmax(rows, hidden);
      for (const mode of ['random', 'against'] as const) {
        const screen = new Float32Array(V).map((_, v) => (mode === 'random' ? exact[v] + rnd() * E : exact[v] + (v === want ? -E : E) * 0.999));
        const s = new LmHeadScreen(io, new ArrayHeadRows(rows, H), 256);
        expect(s.pickWithin(screen, 0, hidden, 0, E)).toBe(want);
      }
    }
  });
});

describe('LmHeadScreen.pickTop', () => {
  // bound() = |h'|_2 x weightErrNorm (+ rounding terms that vanish with weightNorm 0): a row
  // whose int8 rounding h' is (E, 0, ...) gets a bound just over E.
  const io = { vocab: V, hiddenSize: H, weightNorm: 0, weightErrNorm: 1 } as unknown as ScreenIo;

  it("picks the exact argmax from a row's top screened logits, or says the list did not settle it; never a wrong pick", () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const outcomes = { picked: 0, unsettled: 0 };
    for (let trial = 0; trial < 30; trial++) {
      const rows = new Float32Array(V * H).map(() => Math.fround(rnd() * 0.1));
      const hidden = new Float32Array(H).map(() => Math.fround(rnd()));
      const top = bruteArgmax(rows, hidden);
      rows.copyWithin(((top + 17) % V) * H, top * H, top * H + H); // an exact tie at another index
      const want = bruteArgmax(rows, hidden);
      const exact = Array.from({ length: V }, (_, v) => kernelDot(hidden, 0, rows, v * H, H, 256));
      const E = 0.02 + 0.1 * Math.abs(rnd());
      const quantized = new Float32Array(H);
      quantized[0] = E;
      for (const mode of ['random', 'against'] as const) {
        const screened = exact.map((x, v) => (mode === 'random' ? x + rnd() * E * 0.99 : x + (v === want ? -E : E) * 0.99));
        const order = screened.map((a, v) => ({ a, v })).sort((x, y) => y.a - x.a || x.v - y.v);
        for (const k of [1, 4, 16, 64, V]) {
          const values = Float32Array.from(order.slice(0, k), (o) => o.a);
          const indices = BigInt64Array.from(order.slice(0, k), (o) => BigInt(o.v));
          const s = new LmHeadScreen(io, new ArrayHeadRows(rows, H), 256);
          const pick = s.pickTop(values, indices, 0, k, hidden, quantized, 0);
          if (pick === undefined) outcomes.unsettled++;
          else {
            outcomes.picked++;
            expect(pick).toBe(want);
          }
          // The whole row always settles.
          if (k === V) expect(pick).toBe(want);
        }
      }
    }
    // Both outcomes occur: short lists that cannot settle a row are caught, not guessed from.
    expect(outcomes.unsettled).toBeGreaterThan(0);
    expect(outcomes.picked).toBeGreaterThan(outcomes.unsettled);
  });
});
