// The running batch's host KV cache keeps every row's positions through what moves them:
// capacity growing and shrinking (in place, or into a larger buffer), rows joining and
// leaving. A wrong move here would feed the model another row's past.
import { describe, expect, it } from 'vitest';
import { BatchKvCache } from '../../engine/batch-kv-cache';

const shape = { numLayers: 2, kvHeads: 2, headDim: 3, dtype: 'float32' as const };
const { kvHeads, headDim } = shape;

/** A distinct value for (tag, layer, key or value, head, position, dim). */
const val = (tag: number, l: number, kv: number, h: number, p: number, d: number) => tag * 1e5 + l * 1e4 + kv * 5e3 + h * 1e3 + p * 10 + d;

/** One step output [1, kv, count, hd] per layer holding positions [from, from + count) of `tag`. */
function stepOf(tag: number, from: number, count: number) {
  const make = (kv: number) =>
    Array.from({ length: shape.numLayers }, (_, l) => {
      const a = new Float32Array(kvHeads * count * headDim);
      for (let h = 0; h < kvHeads; h++) for (let p = 0; p < count; p++) for (let d = 0; d < headDim; d++) a[(h * count + p) * headDim + d] = val(tag, l, kv, h, from + p, d);
      return a;
    });
  return { keys: make(0), values: make(1) };
}

/** Every row's valid positions, checked against the tags and lengths expected. */
function expectRows(c: BatchKvCache, rows: Array<{ tag: number; length: number }>) {
  expect(c.numRows).toBe(rows.length);
  const C = c.capacity;
  rows.forEach(({ tag, length }, r) => {
    expect(c.length(r)).toBe(length);
    for (let l = 0; l < shape.numLayers; l++) {
      for (const [kv, data] of [[0, c.key(l)], [1, c.value(l)]] as const) {
        for (let h = 0; h < kvHeads; h++) {
          for (let p = 0; p < length; p++) {
            for (let d = 0; d < headDim; d++) expect(data[((r * kvHeads + h) * C + p) * headDim + d]).toBe(val(tag, l, kv, h, p, d));
          }
        }
      }
    }
  });
}

describe('BatchKvCache', () => {
  it('keeps each row through capacity growth and shrinkage, joins, leaves and appends', () => {
    const c = new BatchKvCache(shape, 8);
    const rows: Array<{ tag: number; length: number }> = [];
    const join = (tag: number, length: number) => {
      c.reserve(c.numRows + 1, Math.max(c.maxLength(), length) + 1);
      const r = c.addRow();
      const s = stepOf(tag, 0, length);
      c.appendFrom(r, s.keys, s.values, 0, length, 0, length);
      rows.push({ tag, length });
    };
    const decode = () => {
      c.reserve(c.numRows, c.maxLength() + 1);
      rows.forEach((row, r) => {
        const s = stepOf(row.tag, row.length, 1);
        c.appendFrom(r, s.keys, s.values, 0, 1, 0, 1);
        row.length++;
      });
    };
    join(1, 5);
    expectRows(c, rows);
    join(2, 120); // capacity stays 128
    join(3, 700); // capacity grows to 768: a larger buffer
    expectRows(c, rows);
    expect(c.capacity).toBe(768);
    for (let i = 0; i < 90; i++) decode(); // 700 + 90 > 768: grows in place (the buffer has room)
    expectRows(c, rows);
    expect(c.capacity).toBe(896);
    join(4, 7);
    join(5, 9); // five rows: the buffer was sized for more than three
    expectRows(c, rows);
    // The long row leaves (the last row moves into its place); the rest are at most 211
    // long, so the capacity shrinks in place to 256 at the next reservation.
    c.removeRow(2);
    rows[2] = rows.pop()!;
    decode();
    expect(c.capacity).toBe(256);
    expectRows(c, rows);
    c.removeRow(c.numRows - 1);
    rows.pop();
    decode();
    expectRows(c, rows);
  });
});
