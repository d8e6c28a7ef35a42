import type { Tensor } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { DeviceKvBatch } from '../../engine/device-kv-batch';
import type { DeviceKv, KvSide } from '../../engine/device-kv-rows';

// The bookkeeping of the device batch, checked on the host: a stand-in for the KV row graph
// (Gather rows, Slice columns, Pad, Concat) over [rows, 1, seq, 1] arrays. The graph itself
// runs on WebGPU in webgpu.test.ts.
interface FakeTensor {
  data: Float32Array;
  dims: number[];
  disposed: boolean;
  dispose(): void;
}

function fake(rows: number[][]): FakeTensor {
  const seq = rows[0].length;
  const t: FakeTensor = { data: Float32Array.from(rows.flat()), dims: [rows.length, 1, seq, 1], disposed: false, dispose: () => (t.disposed = true) };
  return t;
}

function rowsOf(t: FakeTensor): number[][] {
  const [b, , s] = t.dims;
  return Array.from({ length: b }, (_, r) => Array.from(t.data.subarray(r * s, (r + 1) * s)));
}

const ops = {
  async rearrange(a: KvSide, b?: KvSide): Promise<DeviceKv> {
    const zeros = (n: number) => new Array<number>(n).fill(0);
    const side = (s: KvSide, t: Tensor) => s.rows.map((r) => [...zeros(s.padLeft), ...rowsOf(t as unknown as FakeTensor)[r].slice(s.start, s.end), ...zeros(s.padRight)]);
    const one = (pick: (s: KvSide) => Tensor) => fake([...side(a, pick(a)), ...(b ? side(b, pick(b)) : [])]) as unknown as Tensor;
    return { keys: [one((s) => s.keys[0])], values: [one((s) => s.values[0])] };
  },
};

/** A prefill result whose valid positions hold `base + position` and padding NaN. */
function prefillBatch(prefix: number, suffixes: number[], base: number): DeviceKvBatch {
  const S = Math.max(...suffixes);
  const rows = suffixes.map((len, r) => {
    const pad = S - len;
    const prefixCols = Array.from({ length: prefix }, (_, j) => base + r * 100 + j);
    const padCols = new Array<number>(pad).fill(NaN);
    const suffixCols = Array.from({ length: len }, (_, j) => base + r * 100 + prefix + j);
    return prefix > 0 ? [...prefixCols, ...padCols, ...suffixCols] : [...padCols, ...suffixCols];
  });
  return DeviceKvBatch.fromPrefill({ keys: [fake(rows) as unknown as Tensor], values: [fake(rows) as unknown as Tensor] }, prefix, suffixes, 'left');
}

/** What row r attends to: the KV at its masked-in columns, in order. */
function visible(batch: DeviceKvBatch, r: number): number[] {
  const T = batch.seqLen + 1;
  const mask = new BigInt64Array(T);
  batch.fillDecodeMask(r, mask, 0, 0n, 1n);
  expect(mask[T - 1]).toBe(1n);
  const row = rowsOf(batch.keys[0] as unknown as FakeTensor)[r];
  return row.filter((_, c) => mask[c] === 1n);
}

describe('device KV batch bookkeeping', () => {
  it('masks the hole between a shared prefix and a shorter suffix, and counts positions without it', () => {
    const b = prefillBatch(4, [3, 1, 2], 0);
    expect(b.seqLen).toBe(7);
    expect([0, 1, 2].map((r) => b.length(r))).toEqual([7, 5, 6]);
    expect(visible(b, 1)).toEqual([100, 101, 102, 103, 104]);
    expect(visible(b, 2).every(Number.isFinite)).toBe(true);
  });

  it('keeps every row its own tokens when rows leave, trimming columns only they needed', async () => {
    const b = prefillBatch(0, [5, 2, 3], 0);
    const before = [1, 2].map((r) => visible(b, r));
    const kept = await DeviceKvBatch.gather(ops, [{ batch: b, rows: [1, 2] }]);
    expect(kept.seqLen).toBe(3);
    expect([0, 1].map((r) => visible(kept, r))).toEqual(before);
    expect([0, 1].map((r) => kept.length(r))).toEqual([2, 3]);
  });

  it('stacks joining rows under the running ones, left-aligned to the longer', async () => {
    const running = await DeviceKvBatch.gather(ops, [{ batch: prefillBatch(0, [5, 2, 3], 0), rows: [1, 2] }]);
    const fresh = prefillBatch(4, [2, 1, 3], 1000);
    const want = [...[0, 1].map((r) => visible(running, r)), visible(fresh, 0), visible(fresh, 2)];
    const joined = await DeviceKvBatch.gather(ops, [
      { batch: running, rows: [0, 1] },
      { batch: fresh, rows: [0, 2] },
    ]);
    expect(joined.seqLen).toBe(7);
    expect([0, 1, 2, 3].map((r) => visible(joined, r))).toEqual(want);
    expect([0, 1, 2, 3].map((r) => joined.length(r))).toEqual([2, 3, 6, 7]);
    // A decode step adds a column to every row.
    joined.advance({ keys: [fake([[...rowsOf(joined.keys[0] as unknown as FakeTensor)[0], 9]])] as unknown as Tensor[], values: [] });
    expect(joined.length(0)).toBe(3);
  });

  it('takes one or two non-empty parts', async () => {
    await expect(DeviceKvBatch.gather(ops, [{ batch: prefillBatch(0, [1], 0), rows: [] }])).rejects.toThrow(/non-empty/);
  });
});

/** A prefill of `rows` prompts of `length` tokens each (the first `prefix` from a shared past): row r's position j holds base + r * 100 + j. */
function prefillRight(length: number, rows: number, base: number, prefix = 0): DeviceKvBatch {
  const data = Array.from({ length: rows }, (_, r) => Array.from({ length }, (_, j) => base + r * 100 + j));
  const kv = () => [fake(data) as unknown as Tensor];
  return DeviceKvBatch.fromPrefill({ keys: kv(), values: kv() }, prefix, new Array<number>(rows).fill(length - prefix), 'right');
}

/** GroupQueryAttention reads only the mask's sum: seqlens_k = sum - 1 past tokens, from column 0. */
function seqlensK(batch: DeviceKvBatch, r: number): number {
  const mask = new BigInt64Array(batch.seqLen + 1);
  batch.fillDecodeMask(r, mask, 0, 0n, 1n);
  return Number(mask.reduce((a, b) => a + b, 0n)) - 1;
}

/** What row r attends to under GroupQueryAttention (besides its new token). */
function attended(batch: DeviceKvBatch, r: number): number[] {
  return rowsOf(batch.keys[0] as unknown as FakeTensor)[r].slice(0, seqlensK(batch, r));
}

/**
 * A decode step as GroupQueryAttention computes present: per row the past up to seqlens_k,
 * the new token at seqlens_k, and one more column in all; what lies after is never read (NaN).
 */
function gqaStep(batch: DeviceKvBatch, fresh: number[]): void {
  const rows = rowsOf(batch.keys[0] as unknown as FakeTensor).map((row, r) => {
    const at = seqlensK(batch, r);
    return Array.from({ length: batch.seqLen + 1 }, (_, c) => (c < at ? row[c] : c === at ? fresh[r] : NaN));
  });
  batch.advance({ keys: [fake(rows) as unknown as Tensor], values: [fake(rows) as unknown as Tensor] });
}

describe('right-padded device KV batch (GroupQueryAttention)', () => {
  it('takes prefill groups of one suffix length only', () => {
    const kv = { keys: [fake([[1, 2], [3, 4]]) as unknown as Tensor], values: [] };
    expect(() => DeviceKvBatch.fromPrefill(kv, 0, [2, 1], 'right')).toThrow(/one suffix length/);
  });

  it('keeps rows of different lengths from column 0, each growing right after its own tokens', async () => {
    const running = prefillRight(5, 2, 0);
    const joined = await DeviceKvBatch.gather(ops, [
      { batch: running, rows: [0, 1] },
      { batch: prefillRight(2, 1, 1000), rows: [0] },
    ]);
    expect(joined.seqLen).toBe(5);
    expect([0, 1, 2].map((r) => attended(joined, r))).toEqual([
      [0, 1, 2, 3, 4],
      [100, 101, 102, 103, 104],
      [1000, 1001],
    ]);
    // Position ids: the tokens each row holds.
    expect([0, 1, 2].map((r) => joined.length(r))).toEqual([5, 5, 2]);
    gqaStep(joined, [7, 8, 9]);
    gqaStep(joined, [17, 18, 19]);
    expect(joined.seqLen).toBe(7);
    expect([0, 1, 2].map((r) => attended(joined, r))).toEqual([
      [0, 1, 2, 3, 4, 7, 17],
      [100, 101, 102, 103, 104, 8, 18],
      [1000, 1001, 9, 19],
    ]);
    expect([0, 1, 2].map((r) => joined.length(r))).toEqual([7, 7, 4]);
  });

  it('trims to the longest row left and pads joining rows on the right', async () => {
    const batch = await DeviceKvBatch.gather(ops, [
      { batch: prefillRight(5, 1, 0), rows: [0] },
      { batch: prefillRight(2, 1, 1000), rows: [0] },
    ]);
    gqaStep(batch, [7, 9]);
    // The long row leaves: the short one keeps only the columns it needs.
    const kept = await DeviceKvBatch.gather(ops, [{ batch, rows: [1] }]);
    expect(kept.seqLen).toBe(3);
    expect(attended(kept, 0)).toEqual([1000, 1001, 9]);
    // Two rows of a prefix-reusing prefill (4 shared positions + 2 each) join after it.
    const joined = await DeviceKvBatch.gather(ops, [
      { batch: kept, rows: [0] },
      { batch: prefillRight(6, 2, 2000, 4), rows: [1, 0] },
    ]);
    expect(joined.seqLen).toBe(6);
    expect([0, 1, 2].map((r) => attended(joined, r))).toEqual([
      [1000, 1001, 9],
      [2100, 2101, 2102, 2103, 2104, 2105],
      [2000, 2001, 2002, 2003, 2004, 2005],
    ]);
    expect([0, 1, 2].map((r) => joined.length(r))).toEqual([3, 6, 6]);
    gqaStep(joined, [10, 11, 12]);
    expect(attended(joined, 0)).toEqual([1000, 1001, 9, 10]);
  });
});
