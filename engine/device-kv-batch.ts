import { disposeKv, type DeviceKv, type DeviceKvRows, type KvSide } from './device-kv-rows';
import type { DecodeKv } from './kv-cache-manager';

/**
 * Which edge of the cache every row is aligned to, as the graph's attention wants it:
 *  - `left` padding: every row ends at the last column. A plain attention graph concatenates
 *    each step's KV after the past, so every row's new token lands in that last column.
 *  - `right` padding: every row starts at column 0. GroupQueryAttention writes a row's new KV
 *    right after that row's own tokens (at its seqlens_k, the mask's sum minus one), so rows
 *    of different lengths grow in place, with padding after them.
 */
export type KvPadding = 'left' | 'right';

/**
 * Where a row's tokens sit among the cache's columns: [first, end) minus the hole
 * [holeFrom, holeTo). The hole is the padding between a shared prefix and a shorter
 * suffix of a prefix-reusing prefill group (left padding only).
 */
interface Span {
  first: number;
  end: number;
  holeFrom: number;
  holeTo: number;
}

/**
 * A batch whose KV cache lives on the device (WebGPU): the present.* tensors of each step
 * are fed back as the next past and never read by the host. The host keeps only where
 * each row's tokens are, to build masks and positions.
 */
export class DeviceKvBatch implements DecodeKv {
  private constructor(
    private kv: DeviceKv,
    /** Columns of the cache tensors (padding included). */
    public seqLen: number,
    private readonly spans: Span[],
    readonly padding: KvPadding,
  ) {}

  /**
   * The present.* of a prefill of left-padded suffixes on top of `prefix` shared columns:
   * row i's padding is its leading columns (no prefix) or the hole after the prefix. Right
   * padding takes groups of one suffix length (GroupQueryAttention's prefill cannot mask
   * padding between a past and a suffix), which have no padding at all.
   */
  static fromPrefill(kv: DeviceKv, prefix: number, suffixLengths: readonly number[], padding: KvPadding): DeviceKvBatch {
    const S = Math.max(...suffixLengths);
    if (padding === 'right' && suffixLengths.some((len) => len !== S)) {
      throw new Error(`a right-padded device batch takes prefill groups of one suffix length (got ${suffixLengths.join(', ')})`);
    }
    const end = prefix + S;
    const spans = suffixLengths.map((len) => (prefix > 0 ? { first: 0, end, holeFrom: prefix, holeTo: end - len } : { first: S - len, end, holeFrom: 0, holeTo: 0 }));
    return new DeviceKvBatch(kv, end, spans, padding);
  }

  get keys(): DeviceKv['keys'] {
    return this.kv.keys;
  }

  get values(): DeviceKv['values'] {
    return this.kv.values;
  }

  get pastLength(): number {
    return this.seqLen;
  }

  /** The cache tensors themselves: a decode step feeds them as they are. */
  pastTensors(): DeviceKv {
    return this.kv;
  }

  get numRows(): number {
    return this.spans.length;
  }

  /** Tokens row r holds (its next position id). */
  length(r: number): number {
    const s = this.spans[r];
    return s.end - s.first - (s.holeTo - s.holeFrom);
  }

  /** Columns row r needs, counted from the edge rows are aligned to. */
  private width(r: number): number {
    const s = this.spans[r];
    return this.padding === 'left' ? this.seqLen - s.first : s.end;
  }

  /**
   * Row r's attention mask for a decode step: the cache's columns, then 1 for the new token.
   * (GroupQueryAttention reads only its sum: the row's length plus one.)
   */
  fillDecodeMask(r: number, mask: BigInt64Array, offset: number, zero: bigint, one: bigint): void {
    const { first, end, holeFrom, holeTo } = this.spans[r];
    mask.fill(zero, offset, offset + this.seqLen);
    mask.fill(one, offset + first, offset + end);
    if (holeTo > holeFrom) mask.fill(zero, offset + holeFrom, offset + holeTo);
    mask[offset + this.seqLen] = one;
  }

  /**
   * Takes a decode step's present.* (one more column) as the cache and frees the previous
   * one. Each row's new token sits at its `end`: the last column (left padding), or right
   * after its tokens (right padding).
   */
  advance(kv: DeviceKv): void {
    disposeKv(this.kv);
    this.kv = kv;
    this.seqLen++;
    for (const s of this.spans) s.end++;
  }

  dispose(): void {
    disposeKv(this.kv);
  }

  /**
   * A new batch of the chosen rows of each part, in order, trimmed to the columns the
   * longest of them needs. The parts' tensors stay as they are (the caller disposes them).
   */
  static async gather(ops: Pick<DeviceKvRows, 'rearrange'>, parts: ReadonlyArray<{ batch: DeviceKvBatch; rows: readonly number[] }>): Promise<DeviceKvBatch> {
    const used = parts.filter((p) => p.rows.length > 0);
    if (used.length === 0 || used.length > 2) throw new Error(`DeviceKvBatch.gather takes one or two non-empty parts (got ${used.length})`);
    const padding = used[0].batch.padding;
    if (used.some((p) => p.batch.padding !== padding)) throw new Error('DeviceKvBatch.gather: parts of different paddings');
    const target = Math.max(...used.flatMap((p) => p.rows.map((r) => p.batch.width(r))));
    const spans: Span[] = [];
    const sides: KvSide[] = used.map(({ batch, rows }) => {
      // Column c of this part becomes column c + shift: ends meet (left) or starts stay (right).
      const shift = padding === 'left' ? target - batch.seqLen : 0;
      for (const r of rows) {
        const s = batch.spans[r];
        spans.push({ first: s.first + shift, end: s.end + shift, holeFrom: s.holeFrom + shift, holeTo: s.holeTo + shift });
      }
      const start = Math.max(0, -shift);
      const end = Math.min(batch.seqLen, target - shift);
      const padLeft = Math.max(0, shift);
      return { keys: batch.kv.keys, values: batch.kv.values, rows, start, end, padLeft, padRight: target - padLeft - (end - start) };
    });
    const kv = await ops.rearrange(sides[0], sides[1]);
    return new DeviceKvBatch(kv, target, spans, padding);
  }
}
