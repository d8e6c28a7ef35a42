// How fast an execution provider streams weights through a 1-row MatMul, the weight read of a
// batch-1 decode step, on any device onnxruntime-node offers (bandwidth.ts does the CPU with
// one big matrix). On a GPU each run also pays a dispatch and a read-back: the graph chains
// the same k x k matrix `short` and `long` times, and the slope between the two cancels those
// fixed costs. The matrix is larger than any GPU's L2 (256 MiB by default; H200: 60 MB), so
// every MatMul reads it from device memory.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export interface DeviceBandwidthOptions {
  device: 'cpu' | 'webgpu' | 'cuda';
  /** Side of the square fp32 weight matrix (default 8192: 256 MiB). */
  k?: number;
  /** Chain lengths timed; bytes per MatMul are k*k*4. */
  chains?: [short: number, long: number];
  /** Timed runs per chain (after one warm-up); the fastest counts. */
  repeats?: number;
}

export interface DeviceBandwidth {
  device: string;
  gbPerS: number;
  matrixBytes: number;
  chains: [number, number];
  bestMs: [number, number];
  method: string;
}

function chainModel(k: number, length: number): Uint8Array {
  const weights = new Float32Array(k * k);
  // Small values keep the chained products finite (the rate does not depend on them).
  for (let i = 0; i < weights.length; i += 97) weights[i] = ((i % 7) - 3) / (7 * k);
  const node = Array.from({ length }, (_, i) =>
    onnx.NodeProto.create({ opType: 'MatMul', input: [i === 0 ? 'x' : `h${i}`, 'w'], output: [i === length - 1 ? 'y' : `h${i + 1}`] }),
  );
  const row = { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: k }] } } };
  const graph = onnx.GraphProto.create({
    name: 'gemv-chain',
    node,
    initializer: [onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [k, k], rawData: new Uint8Array(weights.buffer) })],
    input: [onnx.ValueInfoProto.create({ name: 'x', type: row })],
    output: [onnx.ValueInfoProto.create({ name: 'y', type: row })],
  });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph })).finish();
}

async function bestRunMs(bytes: Uint8Array, device: DeviceBandwidthOptions['device'], k: number, repeats: number): Promise<number> {
  // Loaded on use: a bundle that imports this module still starts where onnxruntime cannot load.
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [device], graphOptimizationLevel: 'basic', logSeverityLevel: 3 });
  try {
    const feeds = { x: new ort.Tensor('float32', new Float32Array(k).fill(0.5), [1, k]) };
    await session.run(feeds);
    let best = Infinity;
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      await session.run(feeds);
      best = Math.min(best, performance.now() - t);
    }
    return best;
  } finally {
    await session.release();
  }
}

export async function measureDeviceReadBandwidth(opts: DeviceBandwidthOptions): Promise<DeviceBandwidth> {
  const k = opts.k ?? 8192;
  const [short, long] = opts.chains ?? [2, 10];
  const repeats = opts.repeats ?? 7;
  if (!(long > short && short >= 1)) throw new RangeError(`chains must be 1 <= short < long (got ${short}, ${long})`);
  const msShort = await bestRunMs(chainModel(k, short), opts.device, k, repeats);
  const msLong = await bestRunMs(chainModel(k, long), opts.device, k, repeats);
  const matrixBytes = k * k * 4;
  const slopeMs = (msLong - msShort) / (long - short);
  return {
    device: opts.device,
    // A non-positive slope means the timing noise exceeded the work: no number, not a wrong one.
    gbPerS: slopeMs > 0 ? matrixBytes / (slopeMs / 1000) / 1e9 : Number.NaN,
    matrixBytes,
    chains: [short, long],
    bestMs: [msShort, msLong],
    method: `1-row fp32 MatMul chains of a ${k}x${k} matrix (${(matrixBytes / 2 ** 20).toFixed(0)} MiB), ${short} vs ${long} links, fastest of ${repeats} runs each; bytes per link / time per extra link`,
  };
}
