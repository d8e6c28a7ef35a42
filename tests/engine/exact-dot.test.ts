// The exact float32 dot product the LM-head screen rescores candidates with: fma32 against
// exact rational arithmetic, kernelDot bit-identical to onnxruntime's own MatMul.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { fma32, kernelDot } from '../../engine/exact-dot';
import { checkKernelOrder, constantMatMulModel } from '../../engine/node-host/kernel-order';


const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A normal float32 as (integer significand, exponent): x = m * 2^e exactly. */
function parts(x: number): { m: bigint; e: number } {
  f32[0] = x;
  const bits = u32[0];
  const exp = (bits >>> 23) & 0xff;
  const m = BigInt((bits & 0x7fffff) | (exp ? 0x800000 : 0));
  return { m: bits >>> 31 ? -m : m, e: (exp || 1) - 150 };
}

/** The float32 nearest to a*b + c, by exact integer arithmetic (ties to even). */
function exactFma32(a: number, b: number, c: number): number {
  const pa = parts(a);
  const pb = parts(b);
  const pc = parts(c);
  const ep = pa.e + pb.e;
  const e = Math.min(ep, pc.e);
  const M = pa.m * pb.m * 2n ** BigInt(ep - e) + pc.m * 2n ** BigInt(pc.e - e);
  if (M === 0n) return 0;
  const mag = M < 0n ? -M : M;
  const shift = mag.toString(2).length - 24;
  let q = mag;
  let qe = e;
  if (shift > 0) {
    q = mag >> BigInt(shift);
    const rem = mag - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    qe = e + shift;
  }
  const v = Number(q) * 2 ** qe;
  return M < 0n ? -v : v;
}

describe('fma32', () => {
  it('rounds a*b + c once, as a float32 fused multiply-add does, on random values', () => {
    const rnd = (scale: number) => Math.fround((Math.random() * 2 - 1) * scale);
    for (let i = 0; i < 5000; i++) {
      for (const [a, b, c] of [
        [rnd(1), rnd(1), rnd(1)],
        [rnd(1e3), rnd(1e-3), rnd(1)],
        [rnd(1), rnd(1), rnd(1e-6)],
      ]) {
        expect(fma32(a, b, c)).toBe(exactFma32(a, b, c));
      }
    }
  });

  it('breaks a double-rounding midpoint by the exact remainder', () => {
    // a*b = -2^-24 + 2^-54, c = 1 + 2^-23: the exact sum 1 + 2^-24 + 2^-54 lies just above the
    // midpoint between 1 and 1 + 2^-23, but a double holds only 1 + 2^-24, the midpoint itself.
    const a = Math.fround(2 ** -12 * (1 + 2 ** -15));
    const b = Math.fround(-(2 ** -12) * (1 - 2 ** -15));
    const c = Math.fround(1 + 2 ** -23);
    expect(exactFma32(a, b, c)).toBe(1 + 2 ** -23);
    expect(Math.fround(a * b + c)).toBe(1); // the naive double computation rounds twice, wrongly
    expect(fma32(a, b, c)).toBe(1 + 2 ** -23);
    // The mirror case (just below the midpoint) and a true tie (to even).
    expect(fma32(-a, b, Math.fround(1 + 2 ** -23))).toBe(exactFma32(-a, b, Math.fround(1 + 2 ** -23)));
    expect(fma32(Math.fround(2 ** -24), 1, 1)).toBe(1);
  });
});

describe('kernelDot', () => {
  it("is bit-identical to onnxruntime's MatMul by a constant weight, whatever the rows, columns and threads", async () => {
    const K = 896;
    const N = 300;
    const W = new Float32Array(K * N).map(() => (Math.random() - 0.5) * 0.2);
    const model = constantMatMulModel(W, K, N);
    // Columns of W as rows (how the screen keeps them).
    const rows = new Float32Array(K * N);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) rows[n * K + k] = W[k * N + n];
    const stride = await checkKernelOrder(K);
    expect(stride).toBe(256);
    for (const threads of [1, 2]) {
      const s = await ort.InferenceSession.create(model, { intraOpNumThreads: threads });
      for (const M of [1, 3, 32]) {
        const x = new Float32Array(M * K).map(() => (Math.random() * 2 - 1) * (Math.random() < 0.05 ? 20 : 1));
        const y = (await s.run({ x: new ort.Tensor('float32', x, [M, 1, K]) })).y.data as Float32Array;
        let mismatches = 0;
        for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) if (kernelDot(x, m * K, rows, n * K, K, stride!) !== y[m * N + n]) mismatches++;
        expect(mismatches).toBe(0);
      }
      await s.release();
    }
  });
});
