// The variants real hub exports ship, each checked against the reference forward pass on the
// weights read back from that very file (fp16-rounded, or dequantized for q4).
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { onnxBaseName, readTinyWeights, referenceForward, type TinyDtype, type TinyModelOptions } from '../../models/tiny';
import onnxProto from 'onnx-proto';
import { argmax, decoderFeeds, ensureTinyModel, leftPadBatch, logitsAsFloat32, maxAbsDiff, maxAbsDiffAtTokens, type PaddedBatch } from '../helpers/tiny-model';

const { onnx } = onnxProto;
const LLAMA_PAD = 128004;
const QWEN_PAD = 151643;
const PROMPTS = [
  [128000, 791, 4062, 14198, 39935, 35308, 927, 279],
  [128000, 9906, 11, 1917],
];
const QWEN_PROMPTS = [
  [151644, 872, 198, 9707, 1879, 11, 419, 374],
  [151644, 872, 198, 13048],
];
// fp16 activations (float32 softmax and norms) stay within a few 1e-4 of float64 on logits of ~0.7.
const HALF_TOLERANCE = 5e-3;
const FLOAT_TOLERANCE = 1e-4;

async function load(opts: TinyModelOptions, dtype: TinyDtype = 'fp32') {
  const dir = await ensureTinyModel(opts);
  const file = path.join(dir, 'onnx', onnxBaseName(dtype));
  const session = await ort.InferenceSession.create(file);
  const { architecture, weights } = await readTinyWeights(dir, dtype);
  return { dir, file, session, architecture, weights };
}

async function graphNodes(file: string): Promise<onnxProto.onnx.INodeProto[]> {
  return onnx.ModelProto.decode(await readFile(file)).graph?.node ?? [];
}

/** Runs a batch and returns the worst logit error against the reference over real tokens. */
async function prefillError(m: Awaited<ReturnType<typeof load>>, batch: PaddedBatch, extra: { numLogitsToKeep?: number } = {}) {
  const out = await m.session.run(decoderFeeds(m.session, { ...batch, ...extra }));
  const logits = logitsAsFloat32(out.logits);
  expect(logits.every(Number.isFinite)).toBe(true);
  const ref = referenceForward(m.architecture, m.weights, batch);
  return { out, error: maxAbsDiffAtTokens(logits, ref.logits, batch.attentionMask, m.architecture.vocabSize) };
}

/** Prefill, one greedy decode step through the KV cache, and the error of that step vs the full-sequence reference. */
async function decodeError(m: Awaited<ReturnType<typeof load>>, batch: PaddedBatch, usePositions = true) {
  const V = m.architecture.vocabSize;
  const S = batch.inputIds[0].length;
  const first = await m.session.run(decoderFeeds(m.session, batch));
  const next = batch.inputIds.map((_, b) => argmax(logitsAsFloat32(first.logits), (b * S + S - 1) * V, V));
  const step = {
    inputIds: next.map((t) => [t]),
    attentionMask: batch.attentionMask.map((r) => [...r, 1]),
    positionIds: usePositions ? batch.positionIds.map((p) => [p[p.length - 1] + 1]) : undefined,
    past: first as Record<string, ort.Tensor>,
  };
  const decoded = await m.session.run(decoderFeeds(m.session, step));
  expect(decoded.logits.type).toBe(first.logits.type);
  const ref = referenceForward(m.architecture, m.weights, { inputIds: batch.inputIds.map((r, b) => [...r, next[b]]), attentionMask: step.attentionMask });
  const logits = logitsAsFloat32(decoded.logits);
  return Math.max(...next.map((_, b) => maxAbsDiff(logits.subarray(b * V, (b + 1) * V), ref.logits.subarray((b * (S + 1) + S) * V, (b * (S + 1) + S + 1) * V))));
}

describe('dtype variants: fp16, q4, q4f16 in one folder', () => {
  const opts: TinyModelOptions = { dtypes: ['fp32', 'fp16', 'q4', 'q4f16'] };

  it('names the files as transformers.js dtypes expect and declares the fp16 KV cache', async () => {
    const dir = await ensureTinyModel(opts);
    for (const f of ['model.onnx', 'model_fp16.onnx', 'model_q4.onnx', 'model_q4f16.onnx']) expect((await stat(path.join(dir, 'onnx', f))).size).toBeGreaterThan(1e6);
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(config['transformers.js_config']).toEqual({ kv_cache_dtype: { fp16: 'float16', q4f16: 'float16' } });
  });

  it('fp16: float16 weights, past_key_values, present and logits; matches the reference', async () => {
    const m = await load(opts, 'fp16');
    const types = Object.fromEntries([...m.session.inputMetadata, ...m.session.outputMetadata].map((x) => [x.name, x.isTensor ? x.type : '']));
    expect(types).toMatchObject({ input_ids: 'int64', 'past_key_values.0.key': 'float16', 'present.1.value': 'float16', logits: 'float16' });
    const { error } = await prefillError(m, leftPadBatch(PROMPTS, LLAMA_PAD));
    expect(error).toBeLessThan(HALF_TOLERANCE);
    expect(await decodeError(m, leftPadBatch(PROMPTS, LLAMA_PAD))).toBeLessThan(HALF_TOLERANCE);
  });

  it('q4: every linear layer through MatMulNBits (4 bits, block 32); matches the reference on the dequantized weights', async () => {
    const m = await load(opts, 'q4');
    const nbits = (await graphNodes(m.file)).filter((n) => n.opType === 'MatMulNBits');
    expect(nbits).toHaveLength(7 * m.architecture.numLayers + 1);
    for (const n of nbits) {
      expect(n.domain).toBe('com.microsoft');
      const attrs = Object.fromEntries((n.attribute ?? []).map((a) => [a.name, Number(a.i)]));
      expect(attrs).toMatchObject({ bits: 4, block_size: 32 });
    }
    expect(m.session.inputMetadata.find((x) => x.name === 'past_key_values.0.key')).toMatchObject({ type: 'float32' });
    const { error } = await prefillError(m, leftPadBatch(PROMPTS, LLAMA_PAD));
    expect(error).toBeLessThan(FLOAT_TOLERANCE);
    expect(await decodeError(m, leftPadBatch(PROMPTS, LLAMA_PAD))).toBeLessThan(FLOAT_TOLERANCE);
  });

  it('q4f16: 4-bit weights with float16 activations and KV cache; matches the reference', async () => {
    const m = await load(opts, 'q4f16');
    expect(m.session.outputMetadata.find((x) => x.name === 'logits')).toMatchObject({ type: 'float16' });
    const { error } = await prefillError(m, leftPadBatch(PROMPTS, LLAMA_PAD));
    expect(error).toBeLessThan(HALF_TOLERANCE);
  });
});

describe('tied embeddings (as the bench preset has them)', () => {
  const opts: TinyModelOptions = { architecture: { tieWordEmbeddings: true }, dtypes: ['fp32', 'fp16', 'q4'] };

  it('stores the embedding once and multiplies by its Transpose, as Optimum deduplicates tied weights', async () => {
    const m = await load(opts);
    const model = onnx.ModelProto.decode(await readFile(m.file));
    const names = (model.graph?.initializer ?? []).map((t) => t.name ?? '');
    expect(names.filter((n) => n.includes('lm_head'))).toEqual([]);
    const transpose = model.graph?.node?.find((n) => n.opType === 'Transpose' && n.input?.[0] === 'model.embed_tokens.weight');
    expect(model.graph?.node?.find((n) => n.output?.includes('logits'))).toMatchObject({ opType: 'MatMul', input: [expect.any(String), transpose?.output?.[0]] });
    expect((await prefillError(m, leftPadBatch(PROMPTS, LLAMA_PAD))).error).toBeLessThan(FLOAT_TOLERANCE);
  });

  it('matches the reference in fp16 and q4, whose tied head stays a float MatMul by Transpose(embed) as in the hub q4 files', async () => {
    expect((await prefillError(await load(opts, 'fp16'), leftPadBatch(PROMPTS, LLAMA_PAD))).error).toBeLessThan(HALF_TOLERANCE);
    const q4 = await load(opts, 'q4');
    expect(q4.weights.has('lm_head.weight')).toBe(false);
    const nodes = (await graphNodes(q4.file)) ?? [];
    const head = nodes.find((n) => n.output?.includes('logits'));
    expect(head?.opType).toBe('MatMul');
    expect(nodes.find((n) => n.output?.[0] === head?.input?.[1])).toMatchObject({ opType: 'Transpose', input: ['model.embed_tokens.weight'] });
    expect(nodes.filter((n) => n.opType === 'MatMulNBits')).toHaveLength(2 * 7);
    expect((await prefillError(q4, leftPadBatch(PROMPTS, LLAMA_PAD))).error).toBeLessThan(FLOAT_TOLERANCE);
  });
});

describe('external data', () => {
  const opts: TinyModelOptions = { externalData: true, dtypes: ['fp32', 'fp16'] };

  it('moves the weights to <file>.onnx_data with location/offset/length fields and tells transformers.js', async () => {
    const dir = await ensureTinyModel(opts);
    expect((await stat(path.join(dir, 'onnx/model.onnx'))).size).toBeLessThan(100_000);
    expect((await stat(path.join(dir, 'onnx/model.onnx_data'))).size).toBeGreaterThan(60e6);
    const model = onnx.ModelProto.decode(await readFile(path.join(dir, 'onnx/model.onnx')));
    const embed = model.graph?.initializer?.find((t) => t.name === 'model.embed_tokens.weight');
    expect(embed?.dataLocation).toBe(onnx.TensorProto.DataLocation.EXTERNAL);
    expect(Object.fromEntries((embed?.externalData ?? []).map((e) => [e.key, e.value]))).toMatchObject({ location: 'model.onnx_data', length: String(128256 * 64 * 4) });
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(config['transformers.js_config'].use_external_data_format).toEqual({ 'model.onnx': 1, 'model_fp16.onnx': 1 });
  });

  it('loads from the path and matches the reference (fp32 and fp16)', async () => {
    expect((await prefillError(await load(opts), leftPadBatch(PROMPTS, LLAMA_PAD))).error).toBeLessThan(FLOAT_TOLERANCE);
    expect((await prefillError(await load(opts, 'fp16'), leftPadBatch(PROMPTS, LLAMA_PAD))).error).toBeLessThan(HALF_TOLERANCE);
  });
});

describe('no position_ids input', () => {
  const opts: TinyModelOptions = { positionIds: false };

  it('derives positions from attention_mask (cumsum - 1) in the graph, padded batch and KV cache included', async () => {
    const m = await load(opts);
    expect(m.session.inputNames).not.toContain('position_ids');
    expect((await prefillError(m, leftPadBatch(PROMPTS, LLAMA_PAD))).error).toBeLessThan(FLOAT_TOLERANCE);
    expect(await decodeError(m, leftPadBatch(PROMPTS, LLAMA_PAD), false)).toBeLessThan(FLOAT_TOLERANCE);
  });
});

describe('num_logits_to_keep input', () => {
  it('is an int64 scalar: 0 keeps every position, N the last N', async () => {
    const m = await load({ numLogitsToKeep: true });
    expect(m.session.inputMetadata.find((x) => x.name === 'num_logits_to_keep')).toMatchObject({ type: 'int64', shape: [] });
    const batch = leftPadBatch(PROMPTS, LLAMA_PAD);
    const V = m.architecture.vocabSize;
    const ref = referenceForward(m.architecture, m.weights, batch);
    for (const keep of [0, 1, 3]) {
      const out = await m.session.run(decoderFeeds(m.session, { ...batch, numLogitsToKeep: keep }));
      const kept = keep === 0 ? 8 : keep;
      expect(out.logits.dims).toEqual([2, kept, V]);
      const logits = logitsAsFloat32(out.logits);
      for (let b = 0; b < 2; b++) {
        const want = ref.logits.subarray((b * 8 + 8 - kept) * V, (b + 1) * 8 * V);
        expect(maxAbsDiff(logits.subarray(b * kept * V, (b + 1) * kept * V), want)).toBeLessThan(FLOAT_TOLERANCE);
      }
    }
  });
});

describe('GroupQueryAttention (com.microsoft), as onnxruntime-genai exports', () => {
  /** Tokens at the front of each row, padding after: the layout the GQA kernel reads. */
  function rightPad(prompts: number[][], pad: number): PaddedBatch {
    const S = Math.max(...prompts.map((p) => p.length));
    return {
      inputIds: prompts.map((p) => [...p, ...Array(S - p.length).fill(pad)]),
      attentionMask: prompts.map((p) => [...p.map(() => 1), ...Array(S - p.length).fill(0)]),
      positionIds: prompts.map((p) => Array.from({ length: S }, (_, i) => (i < p.length ? i : 1))),
    };
  }

  for (const positionIds of [true, false]) {
    const opts: TinyModelOptions = { attention: 'gqa', positionIds };
    const form = positionIds ? 'RotaryEmbedding ops on position_ids' : 'rotary inside the op (do_rotary=1), no position_ids';

    it(`${form}: derives seqlens_k and total_sequence_length from attention_mask and matches the reference`, async () => {
      const m = await load(opts);
      const nodes = await graphNodes(m.file);
      const gqa = nodes.filter((n) => n.opType === 'GroupQueryAttention');
      expect(gqa).toHaveLength(m.architecture.numLayers);
      expect(gqa[0].input?.length).toBe(positionIds ? 7 : 9); // query, key, value, past_key, past_value, seqlens_k, total_sequence_length[, cos_cache, sin_cache]
      expect(nodes.filter((n) => n.opType === 'RotaryEmbedding')).toHaveLength(positionIds ? 2 * m.architecture.numLayers : 0);
      expect(m.session.inputNames.includes('position_ids')).toBe(positionIds);
      // Unpadded rows: exact.
      expect((await prefillError(m, leftPadBatch([PROMPTS[0], [...PROMPTS[0]].reverse()], LLAMA_PAD))).error).toBeLessThan(FLOAT_TOLERANCE);
      // Ragged rows: the kernel takes each row's first seqlens_k + 1 tokens as valid, so padding goes on the right.
      const right = rightPad(PROMPTS, LLAMA_PAD);
      expect((await prefillError(m, right)).error).toBeLessThan(FLOAT_TOLERANCE);
    });

    it(`${form}: right-padded prefill then a decode step equals each prompt's full sequence`, async () => {
      const m = await load(opts);
      const V = m.architecture.vocabSize;
      const batch = rightPad(PROMPTS, LLAMA_PAD);
      const first = await m.session.run(decoderFeeds(m.session, batch));
      const next = PROMPTS.map((p, b) => argmax(logitsAsFloat32(first.logits), (b * 8 + p.length - 1) * V, V));
      const step = { inputIds: next.map((t) => [t]), attentionMask: batch.attentionMask.map((r) => [...r, 1]), positionIds: PROMPTS.map((p) => [p.length]), past: first as Record<string, ort.Tensor> };
      const decoded = logitsAsFloat32((await m.session.run(decoderFeeds(m.session, step))).logits);
      PROMPTS.forEach((p, b) => {
        const seq = [...p, next[b]];
        const ref = referenceForward(m.architecture, m.weights, { inputIds: [seq], attentionMask: [seq.map(() => 1)] });
        expect(maxAbsDiff(decoded.subarray(b * V, (b + 1) * V), ref.logits.subarray((seq.length - 1) * V))).toBeLessThan(FLOAT_TOLERANCE);
      });
    });
  }

  it('left padding is not what the kernel computes (documents why engines right-pad GQA graphs)', async () => {
    const m = await load({ attention: 'gqa', positionIds: false });
    expect((await prefillError(m, leftPadBatch(PROMPTS, LLAMA_PAD))).error).toBeGreaterThan(1e-2);
  });

  it('runs in fp16 on the CPU provider too', async () => {
    const m = await load({ attention: 'gqa', positionIds: false, dtypes: ['fp16'] }, 'fp16');
    expect((await prefillError(m, leftPadBatch([PROMPTS[0]], LLAMA_PAD))).error).toBeLessThan(HALF_TOLERANCE);
  });
});

describe('qwen2 family: Qwen tokenizer, q/k/v biases, several EOS ids', () => {
  const opts: TinyModelOptions = { family: 'qwen2', dtypes: ['fp32', 'fp16'] };

  it('writes a Qwen2 config and the Qwen2.5 tokenizer with its chat template (default Qwen system message)', async () => {
    const dir = await ensureTinyModel(opts);
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], eos_token_id: [151645, 151643], pad_token_id: QWEN_PAD, vocab_size: 151665, attention_bias: true });
    const gen = JSON.parse(await readFile(path.join(dir, 'generation_config.json'), 'utf8'));
    expect(gen.eos_token_id).toEqual([151645, 151643]);
    const tok = JSON.parse(await readFile(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    expect(tok).toMatchObject({ pad_token: '<|endoftext|>', eos_token: '<|im_end|>' });
    expect(tok.chat_template).toContain('You are Qwen, created by Alibaba Cloud. You are a helpful assistant.');
    const names = (onnx.ModelProto.decode(await readFile(path.join(dir, 'onnx/model.onnx'))).graph?.initializer ?? []).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['model.layers.0.self_attn.q_proj.bias', 'model.layers.1.self_attn.v_proj.bias']));
  });

  it('matches the reference in fp32 and fp16, padded batch and KV cache', async () => {
    const m = await load(opts);
    expect((await prefillError(m, leftPadBatch(QWEN_PROMPTS, QWEN_PAD))).error).toBeLessThan(FLOAT_TOLERANCE);
    expect(await decodeError(m, leftPadBatch(QWEN_PROMPTS, QWEN_PAD))).toBeLessThan(FLOAT_TOLERANCE);
    expect((await prefillError(await load(opts, 'fp16'), leftPadBatch(QWEN_PROMPTS, QWEN_PAD))).error).toBeLessThan(HALF_TOLERANCE);
  });
});

describe('variants compose', () => {
  it('qwen2 + q4f16 + GroupQueryAttention without position_ids + num_logits_to_keep + external data', async () => {
    const opts: TinyModelOptions = { family: 'qwen2', dtypes: ['q4f16'], attention: 'gqa', positionIds: false, numLogitsToKeep: true, externalData: true };
    const m = await load(opts, 'q4f16');
    expect(m.session.inputNames).toEqual(['input_ids', 'attention_mask', 'past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value', 'num_logits_to_keep']);
    const config = JSON.parse(await readFile(path.join(m.dir, 'config.json'), 'utf8'));
    expect(config['transformers.js_config']).toEqual({ dtype: 'q4f16', kv_cache_dtype: { q4f16: 'float16' }, use_external_data_format: { 'model_q4f16.onnx': 1 } });
    const prompt = QWEN_PROMPTS[0];
    const out = await m.session.run(decoderFeeds(m.session, { inputIds: [prompt], attentionMask: [prompt.map(() => 1)], numLogitsToKeep: 1 }));
    expect(out.logits.dims).toEqual([1, 1, 151665]);
    const ref = referenceForward(m.architecture, m.weights, { inputIds: [prompt], attentionMask: [prompt.map(() => 1)] });
    expect(maxAbsDiff(logitsAsFloat32(out.logits), ref.logits.subarray((prompt.length - 1) * 151665))).toBeLessThan(HALF_TOLERANCE);
  });
});
