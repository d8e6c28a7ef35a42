// Greedy decoding without a KV cache: every step runs the original graph on the whole
// sequence (empty past) and takes the argmax of the last position.
import * as ort from 'onnxruntime-node';
import { argmax } from '../../engine';
import { inspectDecoder, parseModel } from '../../engine';
import { readFileSync } from 'node:fs';

export async function greedyWithoutCache(onnxPath: string, promptIds: readonly number[], maxNewTokens: number, eosIds: readonly number[]): Promise<number[]> {
  const io = inspectDecoder(parseModel(readFileSync(onnxPath)), onnxPath);
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 2, interOpNumThreads: 1 });
  const ids = [...promptIds];
  const out: number[] = [];
  try {
    for (let step = 0; step < maxNewTokens; step++) {
      const n = ids.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, (x) => BigInt(x)), [1, n]),
      };
      if (io.attentionMask) feeds[io.attentionMask] = new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
      if (io.positionIds) feeds[io.positionIds] = new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), [1, n]);
      if (io.numLogitsToKeep) feeds[io.numLogitsToKeep] = new ort.Tensor('int64', BigInt64Array.of(0n), []);
      const heads = io.kvHeads!;
      const dim = io.headDim!;
      const empty = io.kvDtype === 'float16' ? new Uint16Array(0) : new Float32Array(0);
      for (const l of io.layers) {
        feeds[l.pastKey] = new ort.Tensor(io.kvDtype, empty, [1, heads, 0, dim]);
        feeds[l.pastValue] = new ort.Tensor(io.kvDtype, empty, [1, heads, 0, dim]);
      }
      const res = await session.run(feeds, [io.logits]);
      const logits = res[io.logits];
      const vocab = logits.dims[logits.dims.length - 1];
      const data = logits.data as Float32Array;
      const tok = argmax(data.subarray(data.length - vocab));
      out.push(tok);
      ids.push(tok);
      if (eosIds.includes(tok)) break;
    }
  } finally {
    await session.release();
  }
  return out;
}
