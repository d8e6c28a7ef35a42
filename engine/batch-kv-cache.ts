import type { Tensor } from 'onnxruntime-common';
import type { DecodeKv, KvTensorFactory } from './kv-cache-manager';
import { allocKv, copyPositions, type KvArray, type KvShape } from './kv-layout';

/** Slot capacity moves in these steps, so re-layouts are rare. */
const SLOT_CHUNK = 128;

/**
 * Two backing buffers per tensor that only ever grow: a re-layout copies into the spare
 * and swaps, so steady-state work touches no fresh memory (slow to fault in on small VMs).
 */
class PingPong {
  private front: KvArray;
  private back: KvArray;
  constructor(private readonly alloc: (n: number) => KvArray) {
    this.front = alloc(0);
    this.back = alloc(0);
  }
  get current(): KvArray {
    return this.front;
  }
  /** A spare buffer of at least n elements (its contents are garbage). */
  spare(n: number): KvArray {
    if (this.back.length < n) this.back = this.alloc(Math.ceil(n * 1.25));
    return this.back;
  }
  swap(): void {
    const t = this.front;
    this.front = this.back;
    this.back = t;
  }
}

/**
 * The running batch's KV cache in host memory, laid out as the graph's past inputs want
 * it: per layer [rows, kv_heads, capacity, head_dim]. Row r holds its valid positions in
 * slots [0, lengths[r]); the slots after them are masked out. A decode step feeds these
 * buffers as they are (no copy) and afterwards writes only each row's new position.
 */
export class BatchKvCache implements DecodeKv {
  readonly shape: KvShape;
  numRows = 0;
  capacity = 0;
  lengths = new Int32Array(0);
  /** Bumps whenever buffers or their layout change, so cached feed tensors get rebuilt. */
  layoutVersion = 0;
  private readonly keyBufs: PingPong[] = [];
  private readonly valueBufs: PingPong[] = [];
  private feeds?: { version: number; keys: Tensor[]; values: Tensor[] };

  constructor(shape: KvShape) {
    this.shape = shape;
    for (let l = 0; l < shape.numLayers; l++) {
      this.keyBufs.push(new PingPong((n) => allocKv(shape.dtype, n)));
      this.valueBufs.push(new PingPong((n) => allocKv(shape.dtype, n)));
    }
  }

  private get rowSize(): number {
    return this.shape.kvHeads * this.capacity * this.shape.headDim;
  }

  /** The past tensor data of layer l for the current rows: [numRows, kv, capacity, hd]. */
  key(l: number): KvArray {
    return this.keyBufs[l].current.subarray(0, this.numRows * this.rowSize);
  }

  value(l: number): KvArray {
    return this.valueBufs[l].current.subarray(0, this.numRows * this.rowSize);
  }

  get pastLength(): number {
    return this.capacity;
  }

  length(r: number): number {
    return this.lengths[r];
  }

  /** Valid slots, then masked free slots, then the new token (last column). */
  fillDecodeMask(r: number, mask: BigInt64Array, offset: number, zero: bigint, one: bigint): void {
    const len = this.lengths[r];
    const C = this.capacity;
    mask.fill(one, offset, offset + len);
    mask.fill(zero, offset + len, offset + C);
    mask[offset + C] = one;
  }

  /** The buffers as past tensors, rebuilt only when their layout changed. */
  pastTensors(make: KvTensorFactory): { keys: readonly Tensor[]; values: readonly Tensor[] } {
    if (this.feeds?.version !== this.layoutVersion) {
      const { kvHeads, headDim, numLayers } = this.shape;
      const dims = [this.numRows, kvHeads, this.capacity, headDim];
      const layers = Array.from({ length: numLayers }, (_, l) => l);
      this.feeds = { version: this.layoutVersion, keys: layers.map((l) => make(this.key(l), dims)), values: layers.map((l) => make(this.value(l), dims)) };
    }
    return this.feeds;
  }

  maxLength(): number {
    let m = 0;
    for (let r = 0; r < this.numRows; r++) m = Math.max(m, this.lengths[r]);
    return m;
  }

  /**
   * Makes room for `rows` rows of up to `slots` positions each, and gives back slack when
   * the longest row got much shorter (KV trimmed as requests leave).
   */
  reserve(rows: number, slots: number): void {
    const need = Math.max(SLOT_CHUNK, Math.ceil(slots / SLOT_CHUNK) * SLOT_CHUNK);
    if (this.lengths.length < rows) {
      const lengths = new Int32Array(Math.max(rows, this.lengths.length * 2));
      lengths.set(this.lengths.subarray(0, this.numRows));
      this.lengths = lengths;
    }
    const grow = need > this.capacity;
    const shrink = this.capacity - need >= 4 * SLOT_CHUNK;
    const rowsFit = rows * this.shape.kvHeads * this.capacity * this.shape.headDim <= this.keyBufs[0].current.length;
    if (grow || shrink || !rowsFit) this.relayout(rows, grow || shrink ? need : this.capacity);
  }

  private relayout(rows: number, cap: number): void {
    const { kvHeads, headDim } = this.shape;
    const size = Math.max(rows, this.numRows) * kvHeads * cap * headDim;
    for (const bufs of [this.keyBufs, this.valueBufs]) {
      for (const pp of bufs) {
        const dst = pp.spare(size);
        const src = pp.current;
        for (let r = 0; r < this.numRows; r++) copyPositions(src, r, this.capacity, 0, dst, r, cap, 0, this.lengths[r], kvHeads, headDim);
        pp.swap();
      }
    }
    this.capacity = cap;
    this.layoutVersion++;
  }

  /** Appends an empty row (call reserve() first); returns its index. */
  addRow(): number {
    const r = this.numRows++;
    this.lengths[r] = 0;
    this.layoutVersion++;
    return r;
  }

  /** Removes row r by moving the last row into its place; returns the moved row's old index, or -1. */
  removeRow(r: number): number {
    const last = this.numRows - 1;
    const { kvHeads, headDim } = this.shape;
    let moved = -1;
    if (r !== last) {
      for (const bufs of [this.keyBufs, this.valueBufs]) {
        for (const pp of bufs) copyPositions(pp.current, last, this.capacity, 0, pp.current, r, this.capacity, 0, this.lengths[last], kvHeads, headDim);
      }
      this.lengths[r] = this.lengths[last];
      moved = last;
    }
    this.numRows--;
    this.layoutVersion++;
    return moved;
  }

  /**
   * Appends `count` positions of a step output ([rows, kv, seq, hd] per layer), taken from
   * its row `srcRow` at positions [srcPos, srcPos + count), to the end of row r.
   */
  appendFrom(r: number, newKeys: readonly KvArray[], newValues: readonly KvArray[], srcRow: number, srcSeq: number, srcPos: number, count: number): void {
    const { numLayers, kvHeads, headDim } = this.shape;
    const at = this.lengths[r];
    for (let l = 0; l < numLayers; l++) {
      copyPositions(newKeys[l], srcRow, srcSeq, srcPos, this.keyBufs[l].current, r, this.capacity, at, count, kvHeads, headDim);
      copyPositions(newValues[l], srcRow, srcSeq, srcPos, this.valueBufs[l].current, r, this.capacity, at, count, kvHeads, headDim);
    }
    this.lengths[r] = at + count;
  }
}
