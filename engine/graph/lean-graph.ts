import { additiveMasks } from './additive-mask';
import type { DecoderIo } from './decoder-io';
import { groupRepeatedKv, pastConcat } from './grouped-attention';
import { keptRowsOnly } from './kept-rows';
import { applyFastNumerics, type Int8Levels } from './fast-numerics';
import { pretransposeWeights } from './pretranspose';
import { screenLmHead, type ScreenIo } from './screen-head';
import { ELEM_FLOAT16, ELEM_INT64, assembleModel, emptyEdits, pruneDeadNodes, int64Initializer, int64MaxInitializer, node, valueInfo, type ExternalizeOptions, type NodeProto, type ParsedModel } from './onnx-model';

/** The extra outputs the engine reads instead of the full logits and the full present.*. */
export interface LeanIo {
  /** logits now hold only the last position ([B, 1, V]). */
  lastLogitsOnly: boolean;
  /** Greedy next token per row ([B, 1] int64), computed in the graph. */
  nextToken?: string;
  /**
   * GroupQueryAttention graphs write each row's new KV at that row's own length (right
   * padding), not at the end: the new positions are gathered with this int64 input of
   * shape [B, kv, S, hd] holding, for every element, its position in present.
   */
  kvIndexInput?: string;
  /**
   * The LM head screened in int8 (exact mode on the host): the engine picks greedy tokens
   * from the screen's candidates, rescored exactly; no `logits` output.
   */
  screen?: ScreenIo;
  /** Per layer: the KV of this step's new positions only ([B, kv, S, hd]). */
  newKeys: string[];
  newValues: string[];
  notes: string[];
}

const PASS_THROUGH = new Set(['Cast', 'Identity', 'Add', 'Mul', 'Div', 'Sub', 'Tanh', 'Softcap']);
const LM_HEAD_OPS = new Set(['MatMul', 'MatMulNBits', 'MatMulInteger', 'FusedMatMul', 'DynamicQuantizeMatMul', 'MatMulIntegerToFloat']);

/**
 * Rewrites a standard decoder export for lean steps:
 *  - logits for the last position only (the LM head is most of a prefill's work and the
 *    full [B, S, V] tensor is gigabytes at batch 16 x 200 tokens);
 *  - the new positions' KV as extra outputs, so a step never copies the whole present.*
 *    cache back to JavaScript;
 *  - an in-graph ArgMax for greedy rows.
 * present.* stay graph outputs (left unfetched) so ORT optimizes the graph as before.
 */
/** `exact` keeps every product as the export computes it; `fast` trades that for int8 compute. */
export type Numerics = 'exact' | 'fast';

/**
 * `host`: the engine keeps the cache itself and never reads present.*, which may go.
 * `device`: present.* stay outputs, fed back as past on the GPU.
 */
export type LeanTarget = 'host' | 'device';

export function rewriteLean(
  model: ParsedModel,
  io: DecoderIo,
  dims: { hiddenSize: number; vocabSize: number; numAttentionHeads: number; numKeyValueHeads: number },
  target: LeanTarget = 'host',
  external?: ExternalizeOptions,
  numerics: Numerics = 'exact',
  /**
   * intLevels: the largest int8 weight level of integer products (63 where the CPU's GEMM
   * saturates at 127). cpuKernels: onnxruntime's native CPU kernels run the graph (not CUDA,
   * not WebAssembly), whose summation orders the exact one-token values product relies on.
   */
  opts: { screenHead?: boolean; intLevels?: Int8Levels; cpuKernels?: boolean } = {},
): { chunks: Uint8Array[]; lean: LeanIo } {
  const edits = emptyEdits();
  const notes: string[] = [];
  const host = target === 'host' && !io.groupQueryAttention;
  const fast = numerics === 'fast';
  const grouped = groupRepeatedKv(model, edits, { numHeads: dims.numAttentionHeads, kvHeads: io.kvHeads ?? dims.numKeyValueHeads, splitKeys: host, splitValues: host && fast, perHead: host, headDim: io.headDim, oneRowValues: host && !fast && io.kvDtype === 'float32' && opts.cpuKernels === true, float16: io.kvDtype === 'float16' });
  if (grouped > 0) notes.push(`grouped-query attention without repeated KV (${grouped} matmuls${host && fast ? '; past and new values multiplied apart' : ''})`);
  const masked = host ? additiveMasks(model, edits) : 0;
  if (masked > 0) notes.push(`attention masks added instead of selected (${masked} layers; same scores)`);
  const producers = new Map<string, number>();
  model.nodes.forEach((n, i) => n.output.forEach((o) => producers.set(o, i)));
  const inits = model.initializerNames;

  let lastLogitsOnly = false;
  const head = findLmHead(model.nodes, producers, inits, io.logits);
  if (io.numLogitsToKeep) {
    lastLogitsOnly = true;
    notes.push(`uses the graph's ${io.numLogitsToKeep} input for last-position logits`);
  } else {
    if (!head) notes.push('LM head not found; logits stay full-sequence');
    else {
      lastLogitsOnly = true;
      edits.appendInitializers.push(int64Initializer('ipd/minus_one', [-1]), int64Initializer('ipd/one', [1]), int64MaxInitializer('ipd/int64_max'));
      const sliced = 'ipd/last_position_hidden';
      // The hidden states [B, S, H] before the head (or before its 2-D reshape) keep only the last position.
      const target = head.reshapeIn ?? head.head;
      const targetNode = model.nodes[target];
      edits.insertBefore.set(target, [node('Slice', [targetNode.input[0], 'ipd/minus_one', 'ipd/int64_max', 'ipd/one'], [sliced])]);
      if (head.reshapeIn === undefined) {
        edits.replace.set(target, { ...targetNode, input: [sliced, ...targetNode.input.slice(1)] } as NodeProto);
      } else {
        // A Gemm head runs on [B*S, H]: reshape the sliced [B, 1, H] to [B, H] and the result back to [B, 1, V].
        edits.appendInitializers.push(int64Initializer('ipd/shape_rows_hidden', [-1, dims.hiddenSize]), int64Initializer('ipd/shape_b1v', [-1, 1, dims.vocabSize]));
        edits.replace.set(target, { ...targetNode, input: [sliced, 'ipd/shape_rows_hidden'] } as NodeProto);
        if (head.reshapeOut !== undefined) {
          const out = model.nodes[head.reshapeOut];
          edits.replace.set(head.reshapeOut, { ...out, input: [out.input[0], 'ipd/shape_b1v'] } as NodeProto);
        }
      }
    }
  }

  // -S: the new positions of this step are the last S of each present tensor.
  edits.appendInitializers.push(int64Initializer('ipd/axis_one_start', [1]), int64Initializer('ipd/axis_one_end', [2]), int64Initializer('ipd/two', [2]));
  if (!lastLogitsOnly || io.numLogitsToKeep) edits.appendInitializers.push(int64MaxInitializer('ipd/int64_max'));
  edits.appendNodes.push(
    node('Shape', [io.inputIds], ['ipd/input_shape']),
    node('Slice', ['ipd/input_shape', 'ipd/axis_one_start', 'ipd/axis_one_end'], ['ipd/seq_len']),
    node('Neg', ['ipd/seq_len'], ['ipd/minus_seq_len']),
  );
  const kvElem = io.kvDtype === 'float16' ? ELEM_FLOAT16 : 1;
  const newKeys: string[] = [];
  const newValues: string[] = [];
  const kvIndexInput = io.groupQueryAttention ? 'ipd_kv_index' : undefined;
  if (kvIndexInput) edits.appendInputs.push(valueInfo(kvIndexInput, ELEM_INT64, ['batch_size', io.kvHeads ?? 'num_key_value_heads', 'sequence_length', io.headDim ?? 'head_dim']));
  io.layers.forEach((l, i) => {
    for (const [present, list, kind] of [
      [l.presentKey, newKeys, 'key'],
      [l.presentValue, newValues, 'value'],
    ] as const) {
      const name = `ipd_new.${i}.${kind}`;
      // On the host the new positions are the Concat's second input: no copy of present.* at all.
      const cat = host ? pastConcat(model, producers, present) : undefined;
      if (cat) {
        edits.appendNodes.push(node('Identity', [cat.fresh], [name]));
        edits.removeOutputs.add(present);
      } else if (kvIndexInput) edits.appendNodes.push(node('GatherElements', [present, kvIndexInput], [name], { axis: 2 }));
      else edits.appendNodes.push(node('Slice', [present, 'ipd/minus_seq_len', 'ipd/int64_max', 'ipd/two'], [name]));
      edits.appendOutputs.push(valueInfo(name, kvElem, ['batch_size', io.kvHeads ?? 'num_key_value_heads', 'sequence_length', io.headDim ?? 'head_dim']));
      list.push(name);
    }
  });

  const screen = opts.screenHead && host && !fast && lastLogitsOnly && head && head.reshapeIn === undefined ? screenLmHead(model, edits, head.head, io.logits, opts.intLevels) : undefined;
  if (screen) notes.push(`LM head screened in int8 (weights within +-${opts.intLevels ?? 127}), candidates rescored exactly (${screen.vocab} x ${screen.hiddenSize})`);
  let nextToken: string | undefined;
  if (lastLogitsOnly && !screen) {
    nextToken = 'ipd_next_token';
    let src = io.logits;
    if (io.logitsDtype === 'float16') {
      // ArgMax has no fp16 CPU kernel; the cast is exact.
      edits.appendNodes.push(node('Cast', [io.logits], ['ipd/logits_f32'], { to: 1 }));
      src = 'ipd/logits_f32';
    }
    if (target === 'host' && model.opsetVersion >= 13) {
      // TopK(1) picks the same first maximum as ArgMax, on both threads: ArgMax runs on one
      // (2.1 against 1.4 ms for 32 rows of a 151,936 vocabulary).
      edits.appendInitializers.push(int64Initializer('ipd/k_one', [1]), int64Initializer('ipd/last_axis', [-1]));
      edits.appendNodes.push(
        node('TopK', [src, 'ipd/k_one'], ['ipd/next_value', 'ipd/next_index'], { axis: -1 }),
        node('Squeeze', ['ipd/next_index', 'ipd/last_axis'], [nextToken]),
      );
    } else edits.appendNodes.push(node('ArgMax', [src], [nextToken], { axis: -1, keepdims: 0 }));
    edits.appendOutputs.push(valueInfo(nextToken, ELEM_INT64, ['batch_size', 1]));
  }
  // Integer GEMMs where the CPU runs them; MatMulNBits (which WebGPU runs too) elsewhere.
  if (fast) notes.push(...applyFastNumerics(model, edits, target === 'host', opts.intLevels));
  // The last layer's tail (attention output, MLP, final norm) on the kept positions only.
  const headInput = io.numLogitsToKeep ? (head && head.reshapeIn === undefined ? model.nodes[head.head].input[0] : undefined) : lastLogitsOnly ? 'ipd/last_position_hidden' : undefined;
  const kept = host && headInput ? keptRowsOnly(model, edits, headInput) : 0;
  if (kept > 0) notes.push(`the last layer's tail runs on the kept positions only (${kept} nodes; same logits)`);
  // A replaced head's Transpose is dead now: it must not be pre-transposed below.
  pruneDeadNodes(model, edits);
  // Only where this rewrite writes a weight file of its own (the graph had its weights embedded).
  if (external) {
    const transposed = pretransposeWeights(model, edits, external.minBytes);
    if (transposed > 0) notes.push(`${transposed} weight(s) stored transposed (tied LM head), so loads map them instead of folding a copy`);
  }
  pruneDeadNodes(model, edits);
  const chunks = assembleModel(model, edits, external);
  if (screen && external) {
    const at = external.placed?.get(screen.rows.initializer);
    if (at) screen.rows = { ...screen.rows, file: external.location, ...at };
  }
  return { chunks, lean: { lastLogitsOnly, nextToken, kvIndexInput, screen, newKeys, newValues, notes } };
}

interface LmHead {
  head: number;
  /** A Reshape [B, S, H] -> [B*S, H] feeding a 2-D head (Gemm), and the one after it. */
  reshapeIn?: number;
  reshapeOut?: number;
}

/** Walks back from `logits` through per-position ops to the projection that makes them. */
function findLmHead(nodes: NodeProto[], producers: Map<string, number>, inits: Set<string>, logits: string): LmHead | undefined {
  let name = logits;
  let reshapeOut: number | undefined;
  for (let hops = 0; hops < 8; hops++) {
    const idx = producers.get(name);
    if (idx === undefined) return undefined;
    const n = nodes[idx];
    if (LM_HEAD_OPS.has(n.opType) || n.opType === 'Gemm') {
      if (n.opType !== 'Gemm') return reshapeOut === undefined ? { head: idx } : undefined;
      const before = producers.get(n.input[0]);
      if (reshapeOut === undefined || before === undefined || nodes[before].opType !== 'Reshape') return undefined;
      return { head: idx, reshapeIn: before, reshapeOut };
    }
    if (n.opType === 'Reshape' && reshapeOut === undefined) reshapeOut = idx;
    else if (!PASS_THROUGH.has(n.opType)) return undefined;
    // Follow the activation, not a constant scale or bias.
    const next = n.input.find((i) => i && !inits.has(i) && producers.has(i));
    if (!next) return undefined;
    name = next;
  }
  return undefined;
}

