import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTinyModel, readTinyWeights, referenceForward, type TinyArchitecture, type TinyWeights } from '../../models/tiny';
import { argmax, decoderFeeds, ensureTinyModel, leftPadBatch, logitsAsFloat32, maxAbsDiff, maxAbsDiffAtTokens } from '../helpers/tiny-model';

const PAD = 128004;
const BOS = 128000;
// Two prompts of different lengths, left-padded into one batch.
const PROMPTS = [
  [BOS, 791, 4062, 14198, 39935, 35308, 927, 279],
  [BOS, 9906, 11, 1917],
];

describe('tiny model (test preset, fp32)', () => {
  let dir: string;
  let session: ort.InferenceSession;
  let arch: TinyArchitecture;
  let weights: TinyWeights;

  beforeAll(async () => {
    dir = await ensureTinyModel({ preset: 'test' });
    session = await ort.InferenceSession.create(path.join(dir, 'onnx/model.onnx'));
    ({ architecture: arch, weights } = await readTinyWeights(dir));
  });

  it('writes the transformers.js folder layout with a real tokenizer and a pad token', async () => {
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 16,
      vocab_size: 128256,
      bos_token_id: BOS,
      eos_token_id: 128009,
      pad_token_id: PAD,
      tie_word_embeddings: false,
    });
    const gen = JSON.parse(await readFile(path.join(dir, 'generation_config.json'), 'utf8'));
    expect(gen).toMatchObject({ bos_token_id: BOS, eos_token_id: 128009, pad_token_id: PAD });
    const tok = JSON.parse(await readFile(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    expect(tok.pad_token).toBe('<|reserved_special_token_2|>');
    expect(tok.added_tokens_decoder[String(PAD)].content).toBe(tok.pad_token);
    expect(tok.chat_template).toContain('<|start_header_id|>');
    const tokenizer = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8'));
    expect(tokenizer.added_tokens.at(-1).id).toBe(128255);
  });

  it('declares the Optimum decoder I/O with named dynamic axes', () => {
    const meta = Object.fromEntries(session.inputMetadata.map((m) => [m.name, m]));
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value']);
    expect(meta['attention_mask']).toMatchObject({ type: 'int64', shape: ['batch_size', 'total_sequence_length'] });
    expect(meta['past_key_values.1.value']).toMatchObject({ type: 'float32', shape: ['batch_size', 2, 'past_sequence_length', 16] });
    expect(session.outputNames).toEqual(['logits', 'present.0.key', 'present.0.value', 'present.1.key', 'present.1.value']);
    const out = Object.fromEntries(session.outputMetadata.map((m) => [m.name, m]));
    expect(out['logits']).toMatchObject({ type: 'float32', shape: ['batch_size', 'sequence_length', 128256] });
    expect(out['present.0.key']).toMatchObject({ shape: ['batch_size', 2, 'total_sequence_length', 16] });
  });

  it('computes a Llama: onnxruntime logits equal the TypeScript reference on a left-padded batch', async () => {
    const batch = leftPadBatch(PROMPTS, PAD);
    const out = await session.run(decoderFeeds(session, batch));
    const logits = logitsAsFloat32(out.logits);
    expect(out.logits.dims).toEqual([2, 8, arch.vocabSize]);
    // Pad rows attend to nothing: their values are meaningless but must stay finite.
    expect(logits.every(Number.isFinite)).toBe(true);
    const ref = referenceForward(arch, weights, batch);
    expect(maxAbsDiffAtTokens(logits, ref.logits, batch.attentionMask, arch.vocabSize)).toBeLessThan(1e-4);
    expect(out['present.0.key'].dims).toEqual([2, 2, 8, 16]);
  });

  it('gives the same logits through the KV cache: prefill then one decode step', async () => {
    const prefill = leftPadBatch(PROMPTS, PAD);
    const first = await session.run(decoderFeeds(session, prefill));
    const S = prefill.inputIds[0].length;
    const V = arch.vocabSize;
    const next = [0, 1].map((b) => argmax(logitsAsFloat32(first.logits), (b * S + S - 1) * V, V));
    const step = {
      inputIds: next.map((t) => [t]),
      attentionMask: prefill.attentionMask.map((m) => [...m, 1]),
      positionIds: prefill.positionIds.map((p) => [p[p.length - 1] + 1]),
      past: first as Record<string, ort.Tensor>,
    };
    const decoded = await session.run(decoderFeeds(session, step));
    expect(decoded.logits.dims).toEqual([2, 1, V]);
    expect(decoded['present.1.value'].dims).toEqual([2, 2, S + 1, 16]);

    const full = { inputIds: prefill.inputIds.map((r, b) => [...r, next[b]]), attentionMask: step.attentionMask };
    const ref = referenceForward(arch, weights, full);
    const fromCache = logitsAsFloat32(decoded.logits);
    for (let b = 0; b < 2; b++) {
      const refRow = ref.logits.subarray((b * (S + 1) + S) * V, (b * (S + 1) + S + 1) * V);
      const row = fromCache.subarray(b * V, (b + 1) * V);
      expect(maxAbsDiff(row, refRow)).toBeLessThan(1e-4);
    }
  });

  it('takes several new tokens on top of a cache (chunked prefill, prefix reuse)', async () => {
    const full = leftPadBatch(PROMPTS, PAD);
    const cut = 5;
    const head = { inputIds: full.inputIds.map((r) => r.slice(0, cut)), attentionMask: full.attentionMask.map((r) => r.slice(0, cut)), positionIds: full.positionIds.map((r) => r.slice(0, cut)) };
    const first = await session.run(decoderFeeds(session, head));
    const rest = await session.run(
      decoderFeeds(session, { inputIds: full.inputIds.map((r) => r.slice(cut)), attentionMask: full.attentionMask, positionIds: full.positionIds.map((r) => r.slice(cut)), past: first as Record<string, ort.Tensor> }),
    );
    const V = arch.vocabSize;
    const S = full.inputIds[0].length;
    const ref = referenceForward(arch, weights, full);
    const logits = logitsAsFloat32(rest.logits);
    for (let b = 0; b < 2; b++) {
      for (let s = cut; s < S; s++) expect(maxAbsDiff(logits.subarray((b * (S - cut) + s - cut) * V, (b * (S - cut) + s - cut + 1) * V), ref.logits.subarray((b * S + s) * V, (b * S + s + 1) * V))).toBeLessThan(1e-4);
    }
  });

  it('decodes greedily into varied text rather than one repeated token', async () => {
    const prompts = [[BOS, 791, 4062], [BOS, 9906, 11, 1917], [BOS, 40, 1093, 311, 1373, 6603]];
    const continuations = [];
    for (const prompt of prompts) {
      let feeds = decoderFeeds(session, { inputIds: [prompt], attentionMask: [prompt.map(() => 1)], positionIds: [prompt.map((_, i) => i)] });
      const tokens: number[] = [];
      for (let step = 0; step < 10; step++) {
        const out = await session.run(feeds);
        const S = out.logits.dims[1];
        const t = argmax(logitsAsFloat32(out.logits), (S - 1) * arch.vocabSize, arch.vocabSize);
        tokens.push(t);
        const len = prompt.length + tokens.length;
        feeds = decoderFeeds(session, { inputIds: [[t]], attentionMask: [Array(len).fill(1)], positionIds: [[len - 1]], past: out as Record<string, ort.Tensor> });
      }
      continuations.push(tokens);
    }
    for (const tokens of continuations) expect(new Set(tokens).size).toBeGreaterThan(3);
    expect(new Set(continuations.map((t) => t.join(','))).size).toBe(prompts.length);
  });

  it('is deterministic: the same seed writes byte-identical files, another seed other weights', async () => {
    const tmp = path.join(os.tmpdir(), `tiny-determinism-${process.pid}`);
    try {
      const again = await createTinyModel({ preset: 'test', out: path.join(tmp, 'same') });
      for (const f of again.files) expect((await readFile(path.join(again.dir, f))).equals(await readFile(path.join(dir, f))), f).toBe(true);
      const other = await createTinyModel({ preset: 'test', seed: 1, out: path.join(tmp, 'other') });
      expect((await readFile(path.join(other.dir, 'onnx/model.onnx'))).equals(await readFile(path.join(dir, 'onnx/model.onnx')))).toBe(false);
      expect(await readFile(path.join(other.dir, 'config.json'), 'utf8')).toBe(await readFile(path.join(dir, 'config.json'), 'utf8'));
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
