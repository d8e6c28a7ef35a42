// The whole decoder graph for one dtype, with the I/O contract of transformers.js / Optimum
// exports: input_ids, attention_mask, [position_ids], past_key_values.{i}.key|value,
// [num_logits_to_keep] -> logits, present.{i}.key|value.
import { DT } from './onnx-builder';
import { GraphContext } from './graph-context';
import { attendMask, gqaAttention, gqaLengths, gqaRotaryCaches, positionsFromMask, rotaryTables, standardAttention, type GraphInputs } from './graph-attention';
import type { ResolvedTinyModelOptions, TinyDtype } from './options';
import { layerLinears, type LinearSpec, type TinyWeights } from './weights';

// Dynamic axis names of real exports (transformers.js reads the past shapes from the session's
// input metadata and resolves `batch_size`, so that name is load-bearing).
const BATCH = 'batch_size';
const SEQ = 'sequence_length';
const PAST = 'past_sequence_length';
const TOTAL = 'total_sequence_length';
const LOGITS_SEQ = 'logits_sequence_length';

export function buildDecoderGraph(opts: ResolvedTinyModelOptions, dtype: TinyDtype, weights: TinyWeights): GraphContext {
  const { architecture: arch } = opts;
  const c = new GraphContext(arch, dtype, weights);
  const { g } = c;

  const inputs: GraphInputs = {
    inputIds: g.input('input_ids', DT.INT64, [BATCH, SEQ]),
    attentionMask: g.input('attention_mask', DT.INT64, [BATCH, TOTAL]),
  };
  if (opts.positionIds) inputs.positionIds = g.input('position_ids', DT.INT64, [BATCH, SEQ]);
  const kvDims = [BATCH, arch.numKvHeads, PAST, arch.headDim];
  const layerIo = Array.from({ length: arch.numLayers }, (_, i) => ({
    pastKey: g.input(`past_key_values.${i}.key`, c.T, kvDims),
    pastValue: g.input(`past_key_values.${i}.value`, c.T, kvDims),
    presentKey: `present.${i}.key`,
    presentValue: `present.${i}.value`,
  }));
  const keep = opts.numLogitsToKeep ? g.input('num_logits_to_keep', DT.INT64, []) : undefined;

  const embed = c.floatInitializer('model.embed_tokens.weight', [arch.vocabSize, arch.hiddenSize], c.weight('model.embed_tokens.weight').data);
  let x = g.op('Gather', [embed, inputs.inputIds], {}, { name: '/model/embed_tokens/Gather' });

  let attention: (layer: number, h: string) => string;
  if (opts.attention === 'gqa') {
    const lengths = gqaLengths(c, inputs);
    const caches = gqaRotaryCaches(c);
    attention = (i, h) => gqaAttention(c, i, h, layerIo[i], lengths, caches, inputs.positionIds);
  } else {
    const rope = rotaryTables(c, inputs.positionIds ?? positionsFromMask(c, inputs));
    const attend = attendMask(c, inputs);
    attention = (i, h) => standardAttention(c, i, h, layerIo[i], rope, attend);
  }

  for (let i = 0; i < arch.numLayers; i++) {
    const p = `/model/layers.${i}`;
    const [, , , , gate, up, down] = layerLinears(arch, i);
    x = g.op('Add', [x, attention(i, c.rmsNorm(x, `model.layers.${i}.input_layernorm.weight`, `${p}/input_layernorm`))], {}, { name: `${p}/Add_attn` });
    const h = c.rmsNorm(x, `model.layers.${i}.post_attention_layernorm.weight`, `${p}/post_attention_layernorm`);
    const gated = c.linear(h, gate);
    const act = g.op('Mul', [gated, g.op('Sigmoid', [gated])], {}, { name: `${p}/mlp/act_fn/Mul` });
    const mlp = c.linear(g.op('Mul', [act, c.linear(h, up)]), down);
    x = g.op('Add', [x, mlp], {}, { name: `${p}/Add_mlp` });
  }

  let last = c.rmsNorm(x, 'model.norm.weight', '/model/norm');
  if (keep) {
    // HF logits_to_keep: hidden[:, -k:], and k = 0 keeps every position (-0 == 0).
    const start = g.op('Neg', [g.op('Unsqueeze', [keep, g.i64([0])])]);
    last = g.op('Slice', [last, start, g.i64([Number.MAX_SAFE_INTEGER]), g.i64([1])], {}, { name: '/model/logits_to_keep/Slice' });
  }
  lmHead(c, last, embed);
  g.output('logits', c.T, [BATCH, keep ? LOGITS_SEQ : SEQ, arch.vocabSize]);
  for (const io of layerIo) {
    g.output(io.presentKey, c.T, [BATCH, arch.numKvHeads, TOTAL, arch.headDim]);
    g.output(io.presentValue, c.T, [BATCH, arch.numKvHeads, TOTAL, arch.headDim]);
  }
  return c;
}

/**
 * The LM head. A tied graph multiplies by a Transpose node of the embedding initializer,
 * exactly what Optimum's tied-weight deduplication (_deduplicate_gather_matmul) leaves in real
 * exports: one copy on disk, the LM head still a MatMul. The q4 quantizer of those exports
 * (MatMul4BitsQuantizer) converts only MatMuls whose weight is an initializer, so a tied head
 * stays a float MatMul in q4 files too; an untied head is quantized like any linear layer.
 */
function lmHead(c: GraphContext, x: string, embed: string): void {
  const { g, arch } = c;
  const spec: LinearSpec = { name: 'lm_head', inFeatures: arch.hiddenSize, outFeatures: arch.vocabSize, bias: false };
  if (!arch.tieWordEmbeddings) {
    c.linear(x, spec, { output: 'logits' });
  } else {
    const transposed = g.op('Transpose', [embed], { perm: [1, 0] }, { name: '/lm_head/Transpose_tied', output: `${embed}_transposed` });
    g.op('MatMul', [x, transposed], {}, { name: '/lm_head/MatMul', output: 'logits' });
  }
}
