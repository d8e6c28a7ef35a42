import { disposeKv, type DeviceKv, type DeviceKvRows, type KvSide } from './device-kv-rows';
import type { DecodeKv } from './kv-cache-manager';

/**
 * Where a row's tokens sit among the cache's columns: [first, seqLen) minus the hole
 * [holeFrom, holeTo). Rows are left-aligned to the batch's end; the hole is the padding
 * between a shared prefix and a shorter suffix of a prefix-reusing prefill group.
 */
interface Span {
  first: number;
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
  ) {}

  /**
   * The present.* of a prefill of left-padded suffixes on top of `prefix` shared columns:
   * row i's padding is its leading columns (no prefix) or the hole after the prefix.
   */
  static fromPrefill(kv: DeviceKv, prefix: number, suffixLengths: readonly number[]): DeviceKvBatch {
    const S = Math.max(...suffixLengths);
    const spans = suffixLengths.map((len) =>
      prefix > 0 ? { first: 0, holeFrom: prefix, holeTo: prefix + S - len } : { first: S - len, holeFrom: 0, holeTo: 0 },
    );
    return new DeviceKvBatch(kv, prefix + S, spans);
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
    return this.seqLen - s.first - (s.holeTo - s.holeFrom);
  }

  /** Columns row r needs from its first token to the end. */
  private width(r: number): number {
    return this.seqLen - this.spans[r].first;
  }

  /** Row r's attention mask for a decode step (the cache's columns, then 1 for the new token). */
  fillDecodeMask(r: number, mask: BigInt64Array, offset: number, zero: bigint, one: bigint): void {
    const { first, holeFrom, holeTo } = this.spans[r];
    const T = this.seqLen + 1;
    mask.fill(zero, offset, offset + first);
    mask.fill(one, offset + first, offset + T);
    if (holeTo > holeFrom) mask.fill(zero, offset + holeFrom, offset + holeTo);
  }

  /** Takes a decode step's present.* (one more column) as the cache and frees the previous one. */
  advance(kv: DeviceKv): void {
    disposeKv(this.kv);
    this.kv = kv;
    this.seqLen++;
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
    const target = Math.max(...used.flatMap((p) => p.rows.map((r) => p.batch.width(r))));
    const spans: Span[] = [];
    const sides: KvSide[] = used.map(({ batch, rows }) => {
      const shift = target - batch.seqLen;
      for (const r of rows) {
        const s = batch.spans[r];
        spans.push({ first: s.first + shift, holeFrom: s.holeFrom + shift, holeTo: s.holeTo + shift });
      }
      return { keys: batch.kv.keys, values: batch.kv.values, rows, start: Math.max(0, -shift), end: batch.seqLen, padLeft: Math.max(0, shift) };
    });
    const kv = await ops.rearrange(sides[0], sides[1]);
    return new DeviceKvBatch(kv, target, spans);
  }
}
