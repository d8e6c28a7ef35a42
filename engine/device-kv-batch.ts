import type { Tensor } from 'onnxruntime-common';

/**
 * A static batch whose KV cache lives on the device (WebGPU): the present.* tensors of
 * each step (GPU buffers) are fed back as the next past and never read by the host.
 * Rows are left-padded to a common length; a finished row stays in the batch, masked
 * by nobody's interest, until the whole batch has finished.
 */
export class DeviceKvBatch {
  /** Sequence length of the cache tensors (padding included). */
  seqLen: number;
  /** Real tokens per row (its cache holds the last `lengths[r]` positions). */
  readonly lengths: Int32Array;
  readonly live: boolean[];

  constructor(
    public keys: Tensor[],
    public values: Tensor[],
    seqLen: number,
    lengths: readonly number[],
  ) {
    this.seqLen = seqLen;
    this.lengths = Int32Array.from(lengths);
    this.live = lengths.map(() => true);
  }

  get numRows(): number {
    return this.lengths.length;
  }

  get numLive(): number {
    return this.live.filter(Boolean).length;
  }

  /** Takes the step's present.* as the new cache and frees the previous one. */
  advance(keys: Tensor[], values: Tensor[]): void {
    this.dispose();
    this.keys = keys;
    this.values = values;
    this.seqLen++;
    for (let r = 0; r < this.lengths.length; r++) this.lengths[r]++;
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t.dispose();
  }
}
