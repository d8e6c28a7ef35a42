// 4-bit block quantization in com.microsoft MatMulNBits' layout, as the symmetric q4 / q4f16
// exports store it: B uint8 [N, K/32, 16] (two values a byte, low nibble first, blocks run
// along K), scales [N, K/32], no zero points (the operator's default zero point is 8).

export const Q4_BLOCK_SIZE = 32;

export interface Q4Weight {
  /** output features (rows of the HF weight) */
  n: number;
  /** input features */
  k: number;
  packed: Uint8Array;
  scales: Float32Array;
}

/**
 * Quantizes an HF linear weight [n, k] (row = output feature, the layout MatMulNBits wants).
 * Per block, the value of largest magnitude maps to -8 exactly (scale = that value / -8), as
 * onnxruntime's symmetric blockwise quantizer does, so the full 4-bit range is used.
 */
export function quantizeQ4(weight: Float32Array, n: number, k: number): Q4Weight {
  if (k % Q4_BLOCK_SIZE !== 0) throw new Error(`q4: K=${k} is not a multiple of ${Q4_BLOCK_SIZE}`);
  const blocks = k / Q4_BLOCK_SIZE;
  const packed = new Uint8Array(n * blocks * (Q4_BLOCK_SIZE / 2));
  const scales = new Float32Array(n * blocks);
  const q = new Uint8Array(Q4_BLOCK_SIZE);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const base = row * k + b * Q4_BLOCK_SIZE;
      let extreme = 0;
      for (let i = 0; i < Q4_BLOCK_SIZE; i++) {
        const v = weight[base + i];
        if (Math.abs(v) > Math.abs(extreme)) extreme = v;
      }
      const scale = Math.fround(extreme / -8);
      const inv = scale === 0 ? 0 : 1 / scale;
      for (let i = 0; i < Q4_BLOCK_SIZE; i++) q[i] = Math.min(15, Math.max(0, Math.round(weight[base + i] * inv) + 8));
      scales[row * blocks + b] = scale;
      const out = (row * blocks + b) * (Q4_BLOCK_SIZE / 2);
      for (let i = 0; i < Q4_BLOCK_SIZE / 2; i++) packed[out + i] = q[2 * i] | (q[2 * i + 1] << 4);
    }
  }
  return { n, k, packed, scales };
}

/** The float weight [n, k] that a MatMulNBits node multiplies by: (q - 8) * scale. */
export function dequantizeQ4(w: Q4Weight): Float32Array {
  const blocks = w.k / Q4_BLOCK_SIZE;
  const out = new Float32Array(w.n * w.k);
  for (let row = 0; row < w.n; row++) {
    for (let b = 0; b < blocks; b++) {
      const scale = w.scales[row * blocks + b];
      const src = (row * blocks + b) * (Q4_BLOCK_SIZE / 2);
      const dst = row * w.k + b * Q4_BLOCK_SIZE;
      for (let i = 0; i < Q4_BLOCK_SIZE / 2; i++) {
        const byte = w.packed[src + i];
        out[dst + 2 * i] = ((byte & 0x0f) - 8) * scale;
        out[dst + 2 * i + 1] = ((byte >>> 4) - 8) * scale;
      }
    }
  }
  return out;
}
