// Rotary embedding tables shared by the graph writer and the reference forward pass, so both use
// bit-identical frequencies (HF Llama computes them in float32).
import type { TinyArchitecture } from './options';

/** inv_freq[j] = 1 / theta^(2j / head_dim), j < head_dim / 2, rounded to float32. */
export function ropeInvFreq(arch: TinyArchitecture): Float32Array {
  const half = arch.headDim / 2;
  const out = new Float32Array(half);
  for (let j = 0; j < half; j++) out[j] = 1 / Math.fround(Math.pow(arch.ropeTheta, Math.fround((2 * j) / arch.headDim)));
  return out;
}

/** The angle of rotary pair j at a position, as float32 math gives it: fround(pos * inv_freq[j]). */
export function ropeAngle(invFreq: Float32Array, position: number, j: number): number {
  return Math.fround(position * invFreq[j]);
}

/** cos/sin caches [max_position_embeddings, head_dim / 2], the layout of com.microsoft rotary ops. */
export function ropeCaches(arch: TinyArchitecture): { cos: Float32Array; sin: Float32Array } {
  const inv = ropeInvFreq(arch);
  const half = arch.headDim / 2;
  const cos = new Float32Array(arch.maxPositionEmbeddings * half);
  const sin = new Float32Array(arch.maxPositionEmbeddings * half);
  for (let p = 0; p < arch.maxPositionEmbeddings; p++) {
    for (let j = 0; j < half; j++) {
      const a = ropeAngle(inv, p, j);
      cos[p * half + j] = Math.cos(a);
      sin[p * half + j] = Math.sin(a);
    }
  }
  return { cos, sin };
}
