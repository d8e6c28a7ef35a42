import onnxProto from 'onnx-proto';
import { kernelDot } from '../exact-dot';
import { loadOrt } from './ort-session';

const { onnx } = onnxProto;

/** A graph `y = x @ w` with w a constant [k, n] initializer: x [b, 1, k] -> y [b, 1, n], as LM heads run. */
export function constantMatMulModel(w: Float32Array, k: number, n: number): Uint8Array {
  const vi = (name: string, dims: Array<number | string>) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: onnx.GraphProto.create({
        name: 'constant-matmul',
        node: [onnx.NodeProto.create({ opType: 'MatMul', input: ['x', 'w'], output: ['y'] })],
        initializer: [onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [k, n], rawData: new Uint8Array(w.buffer, w.byteOffset, w.byteLength) })],
        input: [vi('x', ['b', 1, k])],
        output: [vi('y', ['b', 1, n])],
      }),
    }),
  ).finish();
}

/**
 * The K-block stride of this machine's float32 MatMul kernel for a constant weight, found by
 * comparing onnxruntime's results with kernelDot bit for bit on random data; undefined when
 * no known order reproduces them (then the LM-head screen is not used).
 */
export async function checkKernelOrder(k: number, threads = 1): Promise<number | undefined> {
  const ort = await loadOrt();
  const n = 48;
  const m = 3;
  const w = new Float32Array(k * n).map(() => (Math.random() - 0.5) * 0.2);
  const session = await ort.InferenceSession.create(constantMatMulModel(w, k, n), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  try {
    const x = new Float32Array(m * k).map(() => (Math.random() * 2 - 1) * (Math.random() < 0.05 ? 20 : 1));
    const y = (await session.run({ x: new ort.Tensor('float32', x, [m, 1, k]) })).y.data as Float32Array;
    const rows = new Float32Array(k * n);
    for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) rows[j * k + i] = w[i * n + j];
    const matches = (stride: number) => {
      for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) if (kernelDot(x, r * k, rows, j * k, k, stride) !== y[r * n + j]) return false;
      return true;
    };
    return [256, 128, 512, 64, k].find(matches);
  } finally {
    await session.release();
  }
}
