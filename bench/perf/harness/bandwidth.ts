// How fast onnxruntime streams weights here: a 1-row MatMul against a 512 MB weight matrix,
// with the engine's thread count. That is exactly the weight read of a batch-1 decode step,
// so model bytes / this rate bounds batch-1 decode tokens/s.
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export async function measureReadBandwidth(threads: number, bytes = 512 * 1024 * 1024, repeats = 9): Promise<number> {
  const k = 4096;
  const n = bytes / 4 / k;
  const weights = new Float32Array(k * n);
  for (let i = 0; i < weights.length; i += 1024) weights[i] = (i % 7) / 7;
  const graph = onnx.GraphProto.create({
    name: 'gemv',
    node: [onnx.NodeProto.create({ opType: 'MatMul', input: ['x', 'w'], output: ['y'] })],
    initializer: [onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [k, n], rawData: new Uint8Array(weights.buffer) })],
    input: [onnx.ValueInfoProto.create({ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: k }] } } } })],
    output: [onnx.ValueInfoProto.create({ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: n }] } } } })],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph });
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const feeds = { x: new ort.Tensor('float32', new Float32Array(k).fill(0.5), [1, k]) };
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await session.run(feeds);
    best = Math.min(best, performance.now() - t);
  }
  await session.release();
  return bytes / (best / 1000);
}
