// The engine's attention-mask rewrite (Where before Softmax -> one shared additive mask) must
// leave every logit bit-identical to the export's, padded rows and a past included: exact
// mode's promise of transformers.js' tokens rests on it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { additiveMasks } from '../../engine/graph/additive-mask';
import { assembleModel, concatChunks, emptyEdits, parseModel } from '../../engine/graph/onnx-model';
import { decoderFeeds, ensureTinyModel, leftPadBatch } from '../helpers/tiny-model';

async function sessions(dir: string) {
  const bytes = new Uint8Array(await readFile(path.join(dir, 'onnx', 'model.onnx')));
  const model = parseModel(bytes);
  const edits = emptyEdits();
  const changed = additiveMasks(model, edits);
  const rewritten = concatChunks(assembleModel(model, edits));
  const opts = { intraOpNumThreads: 2, logSeverityLevel: 3 as const };
  return { changed, rewritten, before: parseModel(bytes), original: await ort.InferenceSession.create(bytes, opts), lean: await ort.InferenceSession.create(rewritten, opts) };
}

describe('additive attention masks', () => {
  it('replace every layer\'s Where and keep the logits bit-identical (padded batch, then a step over its past)', async () => {
    // Without position_ids the graph derives them with an int64 Where, which must stay.
    const dir = await ensureTinyModel({ architecture: { numLayers: 3 }, positionIds: false });
    const { changed, rewritten, original, lean, before } = await sessions(dir);
    expect(changed).toBe(3);
    const after = parseModel(rewritten);
    const feedsSoftmax = (m: typeof after) => m.nodes.filter((n) => n.opType === 'Where' && m.nodes.some((c) => c.opType === 'Softmax' && c.input.includes(n.output[0])));
    expect(feedsSoftmax(before)).toHaveLength(3);
    expect(feedsSoftmax(after)).toHaveLength(0);
    // The three per-layer selections became one shared mask; the position Where is untouched.
    const wheres = (m: typeof after) => m.nodes.filter((n) => n.opType === 'Where').length;
    expect(wheres(after)).toBe(wheres(before) - 3 + 1);

    const batch = leftPadBatch([[5, 9, 2, 7, 31, 4, 8], [3, 3], [12, 40, 41, 9]], 0);
    const first = await Promise.all([original, lean].map((s) => s.run(decoderFeeds(s, batch))));
    expect(first[1].logits.data).toEqual(first[0].logits.data);
    // One decode step over the first step's KV: the mask now has a past part with pads in it.
    const next = {
      inputIds: [[17], [18], [19]],
      attentionMask: batch.attentionMask.map((m) => [...m, 1]),
    };
    const present = (o: ort.InferenceSession.ReturnType) => Object.fromEntries(Object.entries(o).filter(([k]) => k.startsWith('present.')));
    const second = await Promise.all([original, lean].map((s, i) => s.run(decoderFeeds(s, { ...next, past: present(first[i]) }))));
    expect(second[1].logits.data).toEqual(second[0].logits.data);
    expect(Array.from(second[0].logits.data as Float32Array).some((x) => x !== 0)).toBe(true);
  });
});
