// Grouped-query attention without the export's repeated KV. Exact mode's promise of
// transformers.js' tokens rests on every sum keeping the export's order, and onnxruntime's CPU
// kernels pick their order by shape: a one-row product (each head's single query at a
// one-token step) takes another kernel than grouped rows, and long contexts are summed in
// blocks. So: logits and present.* bit-identical to the export's at a prompt step, a one-token
// step over it, and one-token steps over pasts that cross those blocks; fp32 and 4-bit weights.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { groupRepeatedKv } from '../../engine/graph/grouped-attention';
import { assembleModel, concatChunks, emptyEdits, parseModel, pruneDeadNodes } from '../../engine/graph/onnx-model';
import { Rng } from '../../engine/rng';
import { decoderFeeds, ensureTinyModel, leftPadBatch, pastHeadDim, differingValues, presentOutputs } from '../helpers/tiny-model';

const OPTS = { intraOpNumThreads: 2, logSeverityLevel: 3 as const };
const HEADS = { numHeads: 4, kvHeads: 2 };


async function sessions(file: string) {
  const bytes = new Uint8Array(await readFile(file));
  const original = await ort.InferenceSession.create(bytes, OPTS);
  const headDim = pastHeadDim(original);
  const model = parseModel(bytes);
  const edits = emptyEdits();
  const changed = groupRepeatedKv(model, edits, { ...HEADS, splitKeys: true, perHead: true, headDim, oneRowValues: true });
  pruneDeadNodes(model, edits);
  const rewritten = concatChunks(assembleModel(model, edits));
  return { changed, rewritten, original, grouped: await ort.InferenceSession.create(rewritten, OPTS) };
}

/** A past of T positions for every layer, values of the scale a real cache holds. */
function randomPast(session: ort.InferenceSession, rows: number, T: number, seed: number): Record<string, ort.Tensor> {
  const r = new Rng(seed);
  const out: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor || !meta.name.startsWith('past_key_values.')) continue;
    const [, heads, , d] = meta.shape as [string, number, string, number];
    const data = Float32Array.from({ length: rows * heads * T * d }, () => (r.next() - 0.5) * 4);
    out[meta.name.replace('past_key_values.', 'present.')] = new ort.Tensor('float32', data, [rows, heads, T, d]);
  }
  return out;
}

describe('grouped-query attention without repeated KV', () => {
  for (const [dtype, file] of [
    ['fp32', 'model.onnx'],
    ['q4', 'model_q4.onnx'],
  ] as const) {
    it(`keeps logits and present.* bit-identical to the export's (${dtype}): a padded prompt step, one-token steps, pasts across the kernels' blocks`, async () => {
      const dir = await ensureTinyModel({ dtypes: ['fp32', 'q4'], architecture: { numLayers: 2, numHeads: HEADS.numHeads, numKvHeads: HEADS.kvHeads } });
      const { changed, rewritten, original, grouped } = await sessions(path.join(dir, 'onnx', file));
      // Both attention products of every layer, and no repeat of the cache left.
      expect(changed).toBe(4);
      const after = parseModel(rewritten);
      expect(after.nodes.some((n) => n.opType === 'Expand')).toBe(false);
      // Both products of every layer pick their one-token form or the export's at run time
      // (an If each), and at one-token steps the scores against the past read the cache in
      // place (K_past x Q^T).
      expect(after.nodes.filter((n) => n.opType === 'If')).toHaveLength(4);
      const branches = after.nodes.flatMap((n) => (n.attribute ?? []).flatMap((a) => a.g?.node ?? []));
      expect(branches.some((n) => n.opType === 'MatMul' && n.input?.[0]?.startsWith('past_key_values.'))).toBe(true);
      const both = (feeds: (s: ort.InferenceSession) => Record<string, ort.Tensor>) => Promise.all([original, grouped].map((s) => s.run(feeds(s))));
      const same = (outs: ort.InferenceSession.ReturnType[]) => {
        expect(differingValues(outs[1].logits, outs[0].logits)).toBe(0);
        for (const [k, v] of Object.entries(presentOutputs(outs[0]))) expect(differingValues(outs[1][k], v)).toBe(0);
        expect(Array.from(outs[0].logits.data as Float32Array).some((x) => x !== 0)).toBe(true);
      };

      const batch = leftPadBatch([[5, 9, 2, 7, 31, 4, 8], [3, 3], [12, 40, 41, 9]], 0);
      const first = await both((s) => decoderFeeds(s, batch));
      same(first);
      const next = { inputIds: [[17], [18], [19]], attentionMask: batch.attentionMask.map((m) => [...m, 1]), positionIds: batch.positionIds?.map((p) => [p[p.length - 1] + 1]) };
      same(await Promise.all([original, grouped].map((s, i) => s.run(decoderFeeds(s, { ...next, past: presentOutputs(first[i]) })))));

      // One-token steps over long pasts: sums of up to 256 terms are one chain, longer ones
      // are summed in blocks; a past of 1 is a one-column product. Pasts of 4k positions take
      // the values product without the cache's copy, the others the export's.
      for (const T of [1, 4, 128, 255, 256, 257, 300, 600]) {
        const past = randomPast(original, 2, T, T);
        const ones = Array.from({ length: T + 1 }, () => 1);
        const step = { inputIds: [[21], [22]], attentionMask: [ones, ones], positionIds: [[T], [T]], past };
        same(await both((s) => decoderFeeds(s, step)));
      }
      // A prompt step over a past (a reused prefix): the export's products over Concat(past, new).
      const T = 256;
      const ones = Array.from({ length: T + 3 }, () => 1);
      const steps = [T, T + 1, T + 2];
      same(await both((s) => decoderFeeds(s, { inputIds: [[21, 22, 23], [24, 25, 26]], attentionMask: [ones, ones], positionIds: [steps, steps], past: randomPast(original, 2, T, 7) })));
    });
  }
});
