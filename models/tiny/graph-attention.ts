// Attention blocks of the decoder graph: the plain-ONNX version (as Optimum exports it) and the
// com.microsoft GroupQueryAttention version (as onnxruntime-genai's builder exports it).
import { DT, MS_DOMAIN, bytesOf } from './onnx-builder';
import type { GraphContext } from './graph-context';
import { ropeCaches, ropeInvFreq } from './rope';
import { layerLinears } from './weights';

// Where a score is masked it is replaced (not offset) by float32's lowest value: a fully masked
// row (a left-pad query) then becomes uniform after softmax instead of NaN or -inf arithmetic.
const MASKED_SCORE = -3.4028234663852886e38;
const INT64_MAX_SAFE = Number.MAX_SAFE_INTEGER; // Slice clamps ends, any large value works

export interface GraphInputs {
  inputIds: string;
  attentionMask: string;
  /** [batch, seq] int64: the position_ids input, or derived from attention_mask */
  positionIds?: string;
}

/** HF's create_position_ids: cumsum(mask) - 1, pads set to 1, last `sequence_length` columns. */
export function positionsFromMask(c: GraphContext, inputs: GraphInputs): string {
  const { g } = c;
  const p = '/model/position_ids';
  const cumsum = g.op('CumSum', [inputs.attentionMask, g.i64([1], [], 'axis1')], {}, { name: `${p}/CumSum` });
  const minusOne = g.op('Sub', [cumsum, g.i64([1], [], 'one')]);
  const isPad = g.op('Equal', [inputs.attentionMask, g.i64([0], [], 'zero')]);
  const filled = g.op('Where', [isPad, g.i64([1], [], 'one'), minusOne]);
  const seqLen = g.op('Shape', [inputs.inputIds], { start: 1, end: 2 }, { name: `${p}/Shape_seq` });
  return g.op('Slice', [filled, g.op('Neg', [seqLen]), g.i64([INT64_MAX_SAFE]), g.i64([1])], {}, { name: `${p}/Slice_last` });
}

/** cos/sin [batch, 1, seq, head_dim] from float32 position * inv_freq (HF LlamaRotaryEmbedding). */
export function rotaryTables(c: GraphContext, positionIds: string): { cos: string; sin: string } {
  const { g, arch } = c;
  const p = '/model/rotary_emb';
  const pos = g.op('Unsqueeze', [g.op('Cast', [positionIds], { to: DT.FLOAT }), g.i64([2])], {}, { name: `${p}/Unsqueeze_pos` });
  const invFreq = g.initializer('model.rotary_emb.inv_freq', DT.FLOAT, [arch.headDim / 2], bytesOf(ropeInvFreq(arch)));
  const freqs = g.op('Mul', [pos, invFreq], {}, { name: `${p}/Mul_freqs` });
  const emb = g.op('Concat', [freqs, freqs], { axis: -1 });
  const head = (x: string) => g.op('Unsqueeze', [c.fromFloat(x), g.i64([1])]);
  return { cos: head(g.op('Cos', [emb])), sin: head(g.op('Sin', [emb])) };
}

/**
 * Boolean [batch, 1, seq, total] "may attend": causal (key index <= past + query index) and not
 * padding (attention_mask == 1). Built once and shared by every layer.
 */
export function attendMask(c: GraphContext, inputs: GraphInputs): string {
  const { g } = c;
  const p = '/model/attn_mask';
  const scalar = (x: string) => g.op('Squeeze', [x, g.i64([0])]);
  const total = g.op('Shape', [inputs.attentionMask], { start: 1, end: 2 }, { name: `${p}/Shape_total` });
  const seq = g.op('Shape', [inputs.inputIds], { start: 1, end: 2 }, { name: `${p}/Shape_seq` });
  const past = g.op('Sub', [total, seq]);
  const one = g.i64([1], [], 'one');
  const keyIdx = g.op('Range', [g.i64([0], [], 'zero'), scalar(total), one], {}, { name: `${p}/Range_keys` });
  const queryIdx = g.op('Unsqueeze', [g.op('Range', [scalar(past), scalar(total), one], {}, { name: `${p}/Range_queries` }), g.i64([1])]);
  const causal = g.op('LessOrEqual', [keyIdx, queryIdx], {}, { name: `${p}/LessOrEqual` }); // [seq, total]
  const notPad = g.op('Unsqueeze', [g.op('Cast', [inputs.attentionMask], { to: DT.BOOL }), g.i64([1, 2])]); // [batch, 1, 1, total]
  return g.op('And', [causal, notPad], {}, { name: `${p}/And` });
}

/** HF apply_rotary_pos_emb on [batch, heads, seq, head_dim]: x * cos + rotate_half(x) * sin. */
function applyRotary(c: GraphContext, x: string, cos: string, sin: string, prefix: string): string {
  const { g, arch } = c;
  const half = arch.headDim / 2;
  const x1 = g.op('Slice', [x, g.i64([0]), g.i64([half]), g.i64([3])], {}, { name: `${prefix}/Slice_1` });
  const x2 = g.op('Slice', [x, g.i64([half]), g.i64([arch.headDim]), g.i64([3])], {}, { name: `${prefix}/Slice_2` });
  const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: -1 });
  return g.op('Add', [g.op('Mul', [x, cos]), g.op('Mul', [rotated, sin])], {}, { name: `${prefix}/Add` });
}

/** HF repeat_kv: [b, kv, t, d] -> [b, kv * n_rep, t, d] (each KV head serves n_rep query heads in a row). */
function repeatKv(c: GraphContext, x: string, prefix: string): string {
  const { g, arch } = c;
  const nRep = arch.numHeads / arch.numKvHeads;
  if (nRep === 1) return x;
  const shape = g.op('Concat', [g.op('Shape', [x], { start: 0, end: 2 }), g.i64([nRep]), g.op('Shape', [x], { start: 2, end: 4 })], { axis: 0 });
  const expanded = g.op('Expand', [g.op('Unsqueeze', [x, g.i64([2])]), shape], {}, { name: `${prefix}/Expand` });
  return g.op('Reshape', [expanded, g.i64([0, arch.numHeads, -1, arch.headDim])], {}, { name: `${prefix}/Reshape` });
}

export interface LayerIo {
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
}

/** Plain-ONNX attention (MatMul/Softmax) with past/present concatenation. Returns [batch, seq, hidden]. */
export function standardAttention(c: GraphContext, layer: number, x: string, io: LayerIo, rope: { cos: string; sin: string }, attend: string): string {
  const { g, arch } = c;
  const p = `/model/layers.${layer}/self_attn`;
  const [qProj, kProj, vProj, oProj] = layerLinears(arch, layer);
  const heads = (y: string, n: number, name: string) =>
    g.op('Transpose', [g.op('Reshape', [y, g.i64([0, 0, n, arch.headDim])], {}, { name: `${p}/Reshape_${name}` })], { perm: [0, 2, 1, 3] }, { name: `${p}/Transpose_${name}` });
  const q = applyRotary(c, heads(c.linear(x, qProj), arch.numHeads, 'q'), rope.cos, rope.sin, `${p}/rotary_q`);
  const k = applyRotary(c, heads(c.linear(x, kProj), arch.numKvHeads, 'k'), rope.cos, rope.sin, `${p}/rotary_k`);
  const v = heads(c.linear(x, vProj), arch.numKvHeads, 'v');
  const key = g.op('Concat', [io.pastKey, k], { axis: 2 }, { name: `${p}/Concat_key`, output: io.presentKey });
  const value = g.op('Concat', [io.pastValue, v], { axis: 2 }, { name: `${p}/Concat_value`, output: io.presentValue });
  const keyT = g.op('Transpose', [repeatKv(c, key, `${p}/repeat_k`)], { perm: [0, 1, 3, 2] });
  const scores = g.op('Mul', [g.op('MatMul', [q, keyT], {}, { name: `${p}/MatMul_qk` }), c.scalarT(1 / Math.sqrt(arch.headDim), 'attn_scale')]);
  // Softmax in float32 even in fp16 graphs, as HF eager attention does.
  const masked = g.op('Where', [attend, c.toFloat(scores), g.f32([MASKED_SCORE], [], 'masked_score')], {}, { name: `${p}/Where_mask` });
  const probs = c.fromFloat(g.op('Softmax', [masked], { axis: -1 }, { name: `${p}/Softmax` }));
  const ctx = g.op('MatMul', [probs, repeatKv(c, value, `${p}/repeat_v`)], {}, { name: `${p}/MatMul_pv` });
  const merged = g.op('Reshape', [g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), g.i64([0, 0, arch.numHeads * arch.headDim])], {}, { name: `${p}/Reshape_out` });
  return c.linear(merged, oProj);
}

/** seqlens_k (int32 [batch], valid length - 1) and total_sequence_length (int32 scalar), as the genai builder derives them. */
export function gqaLengths(c: GraphContext, inputs: GraphInputs): { seqlensK: string; totalSequenceLength: string } {
  const { g } = c;
  const p = '/model/attn_mask_reformat';
  const sum = g.op('ReduceSum', [inputs.attentionMask, g.i64([1])], { keepdims: 0 }, { name: `${p}/ReduceSum` });
  const seqlensK = g.op('Cast', [g.op('Sub', [sum, g.i64([1], [], 'one')])], { to: DT.INT32 }, { name: `${p}/seqlens_k` });
  const total = g.op('Squeeze', [g.op('Shape', [inputs.attentionMask], { start: 1, end: 2 }), g.i64([0])]);
  return { seqlensK, totalSequenceLength: g.op('Cast', [total], { to: DT.INT32 }, { name: `${p}/total_seq_len` }) };
}

/** cos/sin cache initializers [max_position_embeddings, head_dim / 2] for the com.microsoft rotary ops. */
export function gqaRotaryCaches(c: GraphContext): { cosCache: string; sinCache: string } {
  const { cos, sin } = ropeCaches(c.arch);
  const dims = [c.arch.maxPositionEmbeddings, c.arch.headDim / 2];
  return { cosCache: c.floatInitializer('cos_cache', dims, cos), sinCache: c.floatInitializer('sin_cache', dims, sin) };
}

/**
 * GroupQueryAttention. With position_ids, Q and K go through com.microsoft RotaryEmbedding first
 * (do_rotary=0); without, the op rotates them itself (do_rotary=1) at positions it derives from
 * seqlens_k, as genai exports without a position_ids input do.
 */
export function gqaAttention(
  c: GraphContext,
  layer: number,
  x: string,
  io: LayerIo,
  lengths: { seqlensK: string; totalSequenceLength: string },
  caches: { cosCache: string; sinCache: string },
  positionIds: string | undefined,
): string {
  const { g, arch } = c;
  const p = `/model/layers.${layer}/attn`;
  const [qProj, kProj, vProj, oProj] = layerLinears(arch, layer);
  c.usesMsDomain = true;
  let q = c.linear(x, qProj);
  let k = c.linear(x, kProj);
  const v = c.linear(x, vProj);
  if (positionIds) {
    const rotary = (t: string, name: string) =>
      g.op('RotaryEmbedding', [t, positionIds, caches.cosCache, caches.sinCache], { interleaved: 0 }, { name: `${p}/${name}_rotary/RotaryEmbedding`, domain: MS_DOMAIN });
    q = rotary(q, 'q');
    k = rotary(k, 'k');
  }
  const rotaryInputs = positionIds ? [] : [caches.cosCache, caches.sinCache];
  const [out] = g.node(
    'GroupQueryAttention',
    [q, k, v, io.pastKey, io.pastValue, lengths.seqlensK, lengths.totalSequenceLength, ...rotaryInputs],
    { num_heads: arch.numHeads, kv_num_heads: arch.numKvHeads, do_rotary: positionIds ? 0 : 1, rotary_interleaved: 0, local_window_size: -1 },
    { name: `${p}/GroupQueryAttention`, domain: MS_DOMAIN, outputs: [`${p}/GroupQueryAttention_output_0`, io.presentKey, io.presentValue] },
  );
  return c.linear(out, oProj);
}
