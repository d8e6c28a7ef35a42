// Measures how fast onnxruntime reads memory here: ReduceSum over a large float32 input
// with the same thread count as the engine. Decode at batch 1 reads every weight once per
// token, so weight bytes / this bandwidth bounds its tokens/s.
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export async function measureReadBandwidth(threads: number, bytes = 512 * 1024 * 1024, repeats = 7): Promise<number> {
  const n = bytes / 4;
  const graph = onnx.GraphProto.create({
    name: 'read',
    node: [onnx.NodeProto.create({ opType: 'ReduceSum', input: ['x'], output: ['y'], attribute: [onnx.AttributeProto.create({ name: 'keepdims', i: 0, type: 2 })] })],
    input: [onnx.ValueInfoProto.create({ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 64 }, { dimValue: n / 64 }] } } } })],
    output: [onnx.ValueInfoProto.create({ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [] } } } })],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph });
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const x = new Float32Array(n).fill(1);
  const feeds = { x: new ort.Tensor('float32', x, [64, n / 64]) };
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await session.run(feeds);
    best = Math.min(best, performance.now() - t);
  }
  await session.release();
  return bytes / (best / 1000);
}
