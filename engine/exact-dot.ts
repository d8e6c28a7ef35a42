/**
 * The float32 dot product exactly as onnxruntime's CPU MatMul computes it for a constant
 * (pre-packed) weight: along K in blocks of `stride` (256 on x86-64 MLAS), each block one
 * chain of fused multiply-adds from zero, the block sums added in order. Every step rounds
 * once to float32, as the hardware does, so the result is bit-identical to the kernel's.
 * Which stride the kernel uses on this machine is checked at load (checkKernelOrder), never
 * assumed.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;

/** Half the float32 spacing around |x| (x a finite non-zero double in float32 range). */
function halfUlp32(x: number): number {
  f64[0] = x;
  const e = ((u32[HI] >>> 20) & 0x7ff) - 1023;
  return 2 ** (Math.max(e, -126) - 24);
}

/**
 * fma(a, b, c) rounded once to float32 (a, b, c float32 values). a*b is exact in a double;
 * the double sum rounds at most once more, which can only go wrong when it lands exactly on
 * a float32 midpoint: then the exact remainder decides the direction.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = Math.fround(s);
  if (r === s || !Number.isFinite(s)) return r;
  const h = halfUlp32(s);
  const d = s - r;
  if (d !== h && d !== -h) return r;
  // s is a midpoint: the exact p + c = s + lo (TwoSum) breaks the tie.
  const bv = s - p;
  const lo = p - (s - bv) + (c - bv);
  if (lo === 0) return r; // a true tie: float32 rounds to even, as fround did
  // The other neighbour of s is r + 2d; move to it when lo points away from r.
  return Math.sign(lo) === Math.sign(d) ? Math.fround(r + 2 * d) : r;
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
