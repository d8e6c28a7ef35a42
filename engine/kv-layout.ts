/** Element storage of a KV tensor: fp32 as Float32Array, fp16 as raw Uint16Array bits. */
export type KvArray = Float32Array | Uint16Array;
export type KvDtype = 'float32' | 'float16';

export interface KvShape {
  numLayers: number;
  kvHeads: number;
  headDim: number;
  dtype: KvDtype;
}

export function allocKv(dtype: KvDtype, n: number): KvArray {
  return dtype === 'float16' ? new Uint16Array(n) : new Float32Array(n);
}

/** Bytes of KV one position takes over all layers (keys and values). */
export function bytesPerPosition(shape: KvShape): number {
  return 2 * shape.numLayers * shape.kvHeads * shape.headDim * bytesPerElement(shape.dtype);
}

export function bytesPerElement(dtype: KvDtype): number {
  return dtype === 'float16' ? 2 : 4;
}

/**
 * Copies `count` positions for every head from a [rows, kv, seq, hd] source row into a
 * [rows, kv, cap, hd] destination row. Each head's positions are contiguous in both.
 */
export function copyPositions(
  src: KvArray,
  srcRow: number,
  srcSeq: number,
  srcPos: number,
  dst: KvArray,
  dstRow: number,
  dstCap: number,
  dstPos: number,
  count: number,
  kvHeads: number,
  headDim: number,
): void {
  if (count <= 0) return;
  const n = count * headDim;
  for (let h = 0; h < kvHeads; h++) {
    const s = ((srcRow * kvHeads + h) * srcSeq + srcPos) * headDim;
    const d = ((dstRow * kvHeads + h) * dstCap + dstPos) * headDim;
    (dst as Float32Array).set((src as Float32Array).subarray(s, s + n), d);
  }
}
