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
