import onnxProto from 'onnx-proto';
import type { Int8Levels } from '../graph/fast-numerics';
import { loadOrt } from './ort-session';

const { onnx } = onnxProto;
const K = 64;

let probed: Promise<Int8Levels> | undefined;

/**
 * The int8 weight range this machine's integer GEMM sums exactly: 127 where MatMulInteger
 * (u8 x s8) is exact for the extreme values (VNNI, ARM dot products), 63 where it sums pairs
 * of products in 16 bits with saturation (x86 without VNNI: 2 x 255 x 127 > 32767). Found
 * once per process by running the worst case, all 255 times all 127.
 */
export function int8Levels(): Promise<Int8Levels> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<Int8Levels> {
  const ort = await loadOrt();
  const vi = (name: string, elemType: number, dims: number[]) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const model = onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: onnx.GraphProto.create({
        name: 'int8-saturation-probe',
        node: [onnx.NodeProto.create({ opType: 'MatMulInteger', input: ['a', 'b'], output: ['y'] })],
        // A constant B, as the rewrites' weights are (MLAS packs it the same way).
        initializer: [onnx.TensorProto.create({ name: 'b', dataType: 3, dims: [K, 2], rawData: new Uint8Array(new Int8Array(2 * K).map((_, i) => (i % 2 ? -127 : 127)).buffer) })],
        input: [vi('a', 2, [1, K])],
        output: [vi('y', 6, [1, 2])],
      }),
    }),
  ).finish();
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const y = (await session.run({ a: new ort.Tensor('uint8', new Uint8Array(K).fill(255), [1, K]) })).y.data as Int32Array;
    return y[0] === 255 * 127 * K && y[1] === -255 * 127 * K ? 127 : 63;
  } finally {
    await session.release();
  }
}
