import type { Tensor } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { DeviceKvBatch } from '../../engine/device-kv-batch';
import type { DeviceKv, KvSide } from '../../engine/device-kv-rows';

// The bookkeeping of the device batch, checked on the host: a stand-in for the KV row graph
// (Gather rows, Slice columns, Pad left, Concat) over [rows, 1, seq, 1] arrays. The graph
// itself runs on WebGPU in webgpu.test.ts.
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
    const side = (s: KvSide, t: Tensor) => s.rows.map((r) => [...new Array<number>(s.padLeft).fill(0), ...rowsOf(t as unknown as FakeTensor)[r].slice(s.start, s.end)]);
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
  return DeviceKvBatch.fromPrefill({ keys: [fake(rows) as unknown as Tensor], values: [fake(rows) as unknown as Tensor] }, prefix, suffixes);
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
