import type { Tensor } from 'onnxruntime-common';
import type { DecodeKv, KvTensorFactory } from './kv-cache-manager';
import { allocKv, copyPositions, type KvArray, type KvShape } from './kv-layout';

/**
 * Slot capacity moves in these steps, so re-layouts are rare. A multiple of 4: exact mode's
 * one-token values product skips its copy of the cache only over such pasts (grouped-attention).
 */
const SLOT_CHUNK = 128;

/**
 * One backing buffer per tensor, re-laid out in place when the capacity changes and
 * replaced (with room to spare) only when it is too small: every replacement copies every
 * row into memory that is fresh, which costs about 4 s per GiB to fault in on a small VM.
 */
class KvBuffer {
  data: KvArray;
  constructor(private readonly alloc: (n: number) => KvArray) {
    this.data = alloc(0);
  }

  /**
   * Moves rows [0, rows) from slot capacity `from` to `to` (per row and head, `lengths[r]`
   * positions of headDim values), into a new buffer of `room` elements if this one holds
   * fewer than `need`.
   */
  relayout(rows: number, lengths: Int32Array, from: number, to: number, kvHeads: number, headDim: number, need: number, room: number): void {
    if (need > this.data.length) {
      const next = this.alloc(room);
      for (let r = 0; r < rows; r++) copyPositions(this.data, r, from, 0, next, r, to, 0, lengths[r], kvHeads, headDim);
      this.data = next;
      return;
    }
    // In place: growing, block i = (row, head) moves up to i * to, so the last block goes
    // first and no move overwrites a block still to move; shrinking, the first goes first.
    const blocks = rows * kvHeads;
    const move = (i: number) => {
      const n = lengths[Math.floor(i / kvHeads)] * headDim;
      if (n > 0) this.data.copyWithin(i * to * headDim, i * from * headDim, i * from * headDim + n);
    };
    if (to > from) for (let i = blocks - 1; i >= 0; i--) move(i);
    else if (to < from) for (let i = 0; i < blocks; i++) move(i);
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
  private readonly keyBufs: KvBuffer[] = [];
  private readonly valueBufs: KvBuffer[] = [];
  private feeds?: { version: number; keys: Tensor[]; values: Tensor[] };

  constructor(
    shape: KvShape,
    /** The most rows the batch will hold (the scheduler's maxBatch), if known. */
    private readonly maxRows = Infinity,
  ) {
    this.shape = shape;
    for (let l = 0; l < shape.numLayers; l++) {
      this.keyBufs.push(new KvBuffer((n) => allocKv(shape.dtype, n)));
      this.valueBufs.push(new KvBuffer((n) => allocKv(shape.dtype, n)));
    }
  }

  private get rowSize(): number {
    return this.shape.kvHeads * this.capacity * this.shape.headDim;
  }

  /** The past tensor data of layer l for the current rows: [numRows, kv, capacity, hd]. */
  key(l: number): KvArray {
    return this.keyBufs[l].data.subarray(0, this.numRows * this.rowSize);
  }

  value(l: number): KvArray {
    return this.valueBufs[l].data.subarray(0, this.numRows * this.rowSize);
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
    const rowsFit = rows * this.shape.kvHeads * this.capacity * this.shape.headDim <= this.keyBufs[0].data.length;
    if (grow || shrink || !rowsFit) this.relayout(rows, grow || shrink ? need : this.capacity);
  }

  private relayout(rows: number, cap: number): void {
    const { kvHeads, headDim } = this.shape;
    // When a buffer must be replaced: room for twice the rows (up to the most there will
    // be) and two more chunks of slots, so a batch that fills up one admission at a time,
    // and rows that grow a token a step, replace it a few times rather than at every turn.
    const roomRows = Math.max(rows, this.numRows, Math.min(2 * rows, this.maxRows));
    const room = roomRows * kvHeads * (cap + 2 * SLOT_CHUNK) * headDim;
    for (const bufs of [this.keyBufs, this.valueBufs]) {
      for (const buf of bufs) buf.relayout(this.numRows, this.lengths, this.capacity, cap, kvHeads, headDim, Math.max(rows, this.numRows) * kvHeads * cap * headDim, room);
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
        for (const buf of bufs) copyPositions(buf.data, last, this.capacity, 0, buf.data, r, this.capacity, 0, this.lengths[last], kvHeads, headDim);
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
      copyPositions(newKeys[l], srcRow, srcSeq, srcPos, this.keyBufs[l].data, r, this.capacity, at, count, kvHeads, headDim);
      copyPositions(newValues[l], srcRow, srcSeq, srcPos, this.valueBufs[l].data, r, this.capacity, at, count, kvHeads, headDim);
    }
    this.lengths[r] = at + count;
  }
}
