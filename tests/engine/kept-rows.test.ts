// The engine computes the last layer's tail (attention output, MLP, final norm) only for the
// positions whose logits are kept. Exact mode's promise of transformers.js' tokens rests on
// those logits staying bit-identical to the export's: prompts of different lengths in one
// padded batch, a step over their past, fp32 and 4-bit weights, with the engine's other
// attention rewrites applied first as the engine applies them.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { additiveMasks } from '../../engine/graph/additive-mask';
import { groupRepeatedKv } from '../../engine/graph/grouped-attention';
import { keptRowsOnly } from '../../engine/graph/kept-rows';
import { assembleModel, concatChunks, emptyEdits, parseModel, pruneDeadNodes } from '../../engine/graph/onnx-model';
import { decoderFeeds, ensureTinyModel, leftPadBatch, pastHeadDim, differingValues, presentOutputs } from '../helpers/tiny-model';

const OPTS = { intraOpNumThreads: 2, logSeverityLevel: 3 as const };

async function rewrite(file: string, withAttentionRewrites: boolean) {
  const bytes = new Uint8Array(await readFile(file));
  const original = await ort.InferenceSession.create(bytes, OPTS);
  const headDim = pastHeadDim(original);
  const edit = (keep: boolean) => {
    const model = parseModel(bytes);
    const edits = emptyEdits();
    if (withAttentionRewrites) {
      groupRepeatedKv(model, edits, { numHeads: 4, kvHeads: 2, splitKeys: true, perHead: true, headDim });
      additiveMasks(model, edits);
    }
    // The head reads the Slice that num_logits_to_keep drives.
    const head = model.nodes.find((n) => n.output.includes('logits'))!;
    const kept = keep ? keptRowsOnly(model, edits, head.input[0]) : 0;
    pruneDeadNodes(model, edits);
    return { kept, rewritten: concatChunks(assembleModel(model, edits)) };
  };
  // Against the export itself: the attention rewrites keep its sums too (grouped-attention.test.ts).
  const { kept, rewritten } = edit(true);
  return { kept, rewritten, original, lean: await ort.InferenceSession.create(rewritten, OPTS) };
}


describe('last layer on the kept rows only', () => {
  for (const [dtype, file, attention] of [
    ['fp32', 'model.onnx', false],
    ['fp32', 'model.onnx', true],
    ['q4', 'model_q4.onnx', true],
  ] as const) {
    it(`keeps the logits bit-identical (${dtype}${attention ? ', after the attention rewrites' : ''}): padded prompts, one and two kept positions, a step over the past`, async () => {
      const dir = await ensureTinyModel({ dtypes: ['fp32', 'q4'], numLogitsToKeep: true, architecture: { numLayers: 3, numHeads: 4, numKvHeads: 2 } });
      const { kept, rewritten, original, lean } = await rewrite(path.join(dir, 'onnx', file), attention);
      // The MLP's products of the last layer now read the kept rows (both matmul kinds count).
      expect(kept).toBeGreaterThanOrEqual(8);
      const after = parseModel(rewritten);
      const mlpInputs = after.nodes.filter((n) => /layers\.2\.mlp\.(gate|up|down)_proj/.test(n.name ?? '') && /MatMul/.test(n.opType)).map((n) => n.input[0]);
      expect(mlpInputs).toHaveLength(3);
      for (const x of mlpInputs) expect(x).toContain('ipd_kept');

      const batch = leftPadBatch([[5, 9, 2, 7, 31, 4, 8], [3, 3], [12, 40, 41, 9]], 0);
      for (const numLogitsToKeep of [1, 2]) {
        const outs = await Promise.all([original, lean].map((s) => s.run(decoderFeeds(s, { ...batch, numLogitsToKeep }))));
        expect(differingValues(outs[1].logits, outs[0].logits)).toBe(0);
        // The KV every later step reads is untouched too.
        for (const [k, v] of Object.entries(presentOutputs(outs[0]))) expect(differingValues(outs[1][k], v)).toBe(0);
      }
      const first = await Promise.all([original, lean].map((s) => s.run(decoderFeeds(s, { ...batch, numLogitsToKeep: 1 }))));
      const next = { inputIds: [[17], [18], [19]], attentionMask: batch.attentionMask.map((m) => [...m, 1]), positionIds: batch.positionIds?.map((p) => [p[p.length - 1] + 1]), numLogitsToKeep: 1 };
      const second = await Promise.all([original, lean].map((s, i) => s.run(decoderFeeds(s, { ...next, past: presentOutputs(first[i]) }))));
      expect(differingValues(second[1].logits, second[0].logits)).toBe(0);
      expect(Array.from(second[0].logits.data as Float32Array).some((x) => x !== 0)).toBe(true);
    });
  }
});
