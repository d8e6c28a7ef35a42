/**
 * The float32 dot product exactly as onnxruntime's CPU MatMul computes it for a constant
 * (pre-packed) weight: along K in blocks of `stride` (256 on x86-64 MLAS), each block one
 * chain of fused multiply-adds from zero, the block sums added in order. Every step rounds
 * once to float32, as the hardware does, so the result is bit-identical to the kernel's.
 * Which stride the kernel uses on this machine is checked at load (checkKernelOrder), never
 * assumed.
 */

/**
 * fma(a, b, c) rounded once to float32 (a, b, c float32 values). a*b is exact in a double;
 * the double sum rounds at most once more, which can only go wrong when it lands exactly on
 * a float32 midpoint: then the exact remainder decides the direction. s is a midpoint
 * between r = fround(s) and a neighbour exactly when r + 2(s - r) is a float32 (the
 * neighbour); otherwise that value lies strictly between two float32s.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = Math.fround(s);
  if (r === s) return r;
  const d = s - r;
  const n = r + 2 * d;
  if (Math.fround(n) !== n || !Number.isFinite(s)) return r;
  // s is a midpoint: the exact p + c = s + lo (TwoSum) breaks the tie.
  const bv = s - p;
  const lo = p - (s - bv) + (c - bv);
  if (lo === 0) return r; // a true tie: float32 rounds to even, as fround did
  // Move to the neighbour n when lo points away from r.
  return Math.sign(lo) === Math.sign(d) ? n : r;
}

/** x . w, both of length k at the given offsets, in the kernel's order (see the file comment). */
export function kernelDot(x: Float32Array, xOff: number, w: Float32Array, wOff: number, k: number, stride: number): number {
  let total = 0;
  for (let k0 = 0; k0 < k; k0 += stride) {
    const end = Math.min(k, k0 + stride);
    let acc = 0;
    for (let i = k0; i < end; i++) acc = fma32(x[xOff + i], w[wOff + i], acc);
    total = k0 === 0 ? acc : fma32(total, 1, acc);
  }
  return total;
}
