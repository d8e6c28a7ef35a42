// The int8 weight range the integer products use (screened LM head, fast numerics) must be
// one this machine's integer GEMM sums exactly, or the screen's error bound would not hold.
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { int8Levels } from '../../engine/node-host/int8-levels';

const { onnx } = onnxProto;

describe('int8Levels', () => {
  it('picks a weight range whose worst-case products this CPU sums exactly', async () => {
    const levels = await int8Levels();
    expect([127, 63]).toContain(levels);
    // The worst case of a screen row: every activation at 255 (uint8), weights at +-levels, a
    // hidden size of 896, as MatMulInteger runs it with the zero point the rewrites use.
    const K = 896;
    const w = new Int8Array(K * 3).map((_, i) => [levels, -levels, i % 7 === 0 ? -levels : levels][i % 3]);
    const vi = (name: string, t: number, dims: number[]) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: t, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
    const model = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        graph: onnx.GraphProto.create({
          name: 'g',
          node: [onnx.NodeProto.create({ opType: 'MatMulInteger', input: ['a', 'w', 'zp'], output: ['y'] })],
          initializer: [
            onnx.TensorProto.create({ name: 'w', dataType: 3, dims: [K, 3], rawData: new Uint8Array(w.buffer) }),
            onnx.TensorProto.create({ name: 'zp', dataType: 2, dims: [], rawData: Uint8Array.of(128) }),
          ],
          input: [vi('a', 2, [2, K])],
          output: [vi('y', 6, [2, 3])],
        }),
      }),
    ).finish();
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
    const a = new Uint8Array(2 * K).map((_, i) => (i < K ? 255 : 1));
    const y = (await session.run({ a: new ort.Tensor('uint8', a, [2, K]) })).y.data as Int32Array;
    await session.release();
    const want: number[] = [];
    for (let r = 0; r < 2; r++) for (let j = 0; j < 3; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += (a[r * K + k] - 128) * w[k * 3 + j];
      want.push(sum);
    }
    expect(Array.from(y)).toEqual(want);
  });
});
