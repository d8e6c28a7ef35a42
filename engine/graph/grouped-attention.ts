import { ELEM_FLOAT, ELEM_FLOAT16, ifNode, int64Initializer, int64MaxInitializer, int64Values, node, type GraphEdits, type NodeProto, type ParsedModel } from './onnx-model';

export interface HeadLayout {
  numHeads: number;
  kvHeads: number;
  /**
   * Scores against the past and the new keys separately (host target, where present.* is
   * never read): each score is its own dot product, so the result is bit-identical, and the
   * per-step copy of the whole key cache into present.*.key disappears. With perHead only at
   * one-token steps (an If): at prompt steps the keys' copy is the smaller one.
   */
  splitKeys?: boolean;
  /**
   * Also the value side (`--numerics fast` on the host): the probabilities against the past
   * and the new values multiply separately and add, so the per-step copy of the whole value
   * cache into present.*.value disappears too. Not bit-identical (two sums added instead of
   * one running sum), hence fast mode only.
   */
  splitValues?: boolean;
  /**
   * On the host (onnxruntime's CPU kernels): keep each head's products the export's, so that
   * every sum keeps its order. The values multiply per query head against the cache broadcast
   * over the group (at a one-token step each is a one-row product, which onnxruntime runs
   * with its own kernel, reading the cache in place where the grouped rows would pack a copy
   * of it), and scaled scores against the past come from K_past x Q^T. Needs headDim.
   */
  perHead?: boolean;
  headDim?: number;
  /**
   * With perHead and float32 values (exact mode on the host): at a one-token step over a past
   * whose length is a multiple of 4, the values product skips the per-step copy of the whole
   * value cache into present.*.value, bit-identically (see oneRowValueProducts).
   */
  oneRowValues?: boolean;
  /** The attention tensors are float16 (an fp16 export), not float32. */
  float16?: boolean;
}

/**
 * Grouped-query attention exported the eager way repeats each KV head g times before the two
 * attention matmuls (`repeat_kv`: Unsqueeze(axis 2) -> Expand -> Reshape). Every step that
 * copies the whole cache g times: at batch 16 and 640 positions it was 30% of a decode step.
 * This rewrite multiplies the grouped query rows against the cache as it is instead:
 *   Q [B, H, S, d] -> [B, kv, g*S, d];  scores = Q' x K^T -> [B, kv, g*S, T] -> [B, H, S, T]
 *   P [B, H, S, T] -> [B, kv, g*S, T];  out = P' x V     -> [B, kv, g*S, d] -> [B, H, S, d]
 * The same dot products in the same order, minus the copies. At a one-token step, though, the
 * export's one-row-per-head products take onnxruntime's one-row kernel, which rounds differently
 * from the grouped rows' kernel; `perHead` (the host) keeps each head's products instead, with the
 * cache broadcast over the group. Returns how many matmuls changed.
 */
export function groupRepeatedKv(model: ParsedModel, edits: GraphEdits, layout: HeadLayout): number {
  const { numHeads, kvHeads, splitKeys, splitValues, headDim } = layout;
  const perHead = layout.perHead === true && headDim !== undefined;
  if (kvHeads >= numHeads || numHeads % kvHeads !== 0) return 0;
  const producers = new Map<string, number>();
  const consumers = new Map<string, number>();
  model.nodes.forEach((n, i) => {
    for (const o of n.output ?? []) producers.set(o, i);
    for (const x of n.input ?? []) consumers.set(x, (consumers.get(x) ?? 0) + 1);
  });
  const graphOutputs = new Set(model.outputs.map((o) => o.name));
  const producer = (name: string, op: string): number | undefined => {
    const i = producers.get(name);
    return i !== undefined && model.nodes[i].opType === op ? i : undefined;
  };
  const perm = (n: NodeProto) => n.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number);
  const isSwapLast = (n: NodeProto) => JSON.stringify(perm(n)) === '[0,1,3,2]';
  const unsqueezeAxes = (n: NodeProto) => {
    const attr = n.attribute?.find((a) => a.name === 'axes')?.ints;
    return attr?.length ? attr.map(Number) : int64Values(model, n.input[1] ?? '');
  };

  /** Unsqueeze(axis 2) -> Expand -> Reshape ending in `name`: the repeated tensor and the chain's nodes. */
  const repeatChain = (name: string): { source: string; chain: number[] } | undefined => {
    const reshape = producer(name, 'Reshape');
    if (reshape === undefined) return undefined;
    const expand = producer(model.nodes[reshape].input[0], 'Expand');
    if (expand === undefined) return undefined;
    const unsqueeze = producer(model.nodes[expand].input[0], 'Unsqueeze');
    if (unsqueeze === undefined) return undefined;
    const axes = unsqueezeAxes(model.nodes[unsqueeze]);
    if (!axes || axes.length !== 1 || axes[0] !== 2) return undefined;
    return { source: model.nodes[unsqueeze].input[0], chain: [reshape, expand, unsqueeze] };
  };
  // A chain node may go only when nothing else reads its output.
  const dropIfUnused = (indices: number[]) => {
    for (const i of indices) {
      const out = model.nodes[i].output[0];
      if ((consumers.get(out) ?? 0) <= 1 && !graphOutputs.has(out)) edits.remove.add(i);
      else return;
    }
  };

  /** The only consumer of `name`, when it is Mul or Div by a scalar constant. */
  const scalarScaleAfter = (name: string): { index: number; op: string; value: string; output: string } | undefined => {
    if ((consumers.get(name) ?? 0) !== 1 || graphOutputs.has(name)) return undefined;
    const index = model.nodes.findIndex((n) => n.input.includes(name));
    const n = model.nodes[index];
    if (!n || (n.opType !== 'Mul' && n.opType !== 'Div') || n.input[0] !== name) return undefined;
    const value = n.input[1];
    const range = model.initializerRanges.get(value);
    // A scalar initializer is a few bytes; anything bigger is not a plain scale.
    if (!range || range.end - range.start > 64) return undefined;
    return { index, op: n.opType, value, output: n.output[0] };
  };

  /** Unsqueeze at one axis, in the form the model's opset takes. */
  const unsqueeze = (x: string, axis: number, name: string): NodeProto[] =>
    model.opsetVersion >= 13 ? [node('Unsqueeze', [x, `ipd/axis_${axis}`], [name])] : [node('Unsqueeze', [x], [name], { axes: [axis] })];
  const elem = layout.float16 ? ELEM_FLOAT16 : ELEM_FLOAT;
  const grouped = 'ipd/shape_grouped';
  const heads = 'ipd/shape_heads';
  let changed = 0;
  let splitValueCount = 0;
  let oneRowCount = 0;
  /** The step's condition nodes, placed before the first product that asks for them. */
  const stepNodes: NodeProto[] = [];
  const fact = (x: string) => `ipd/one_row/${x}`;
  let facts: { oneToken: string; pastLen: string; aligned?: string } | undefined;
  /**
   * This step's facts, computed once (every layer's past has the same length) from the first
   * layer's queries or probabilities (axis 2 is the step's length) and its past: whether the
   * step is one token, and the past's length.
   */
  const stepFacts = (x: string, past: string) => {
    if (facts) return facts;
    stepNodes.push(
      node('Shape', [x], [fact('x_shape')]),
      node('Slice', [fact('x_shape'), 'ipd/one_row_two', 'ipd/one_row_three'], [fact('steps')]),
      node('Equal', [fact('steps'), 'ipd/one_row_one'], [fact('one_token')]),
      node('Shape', [past], [fact('past_shape')]),
      node('Slice', [fact('past_shape'), 'ipd/one_row_two', 'ipd/one_row_three'], [fact('past_len')]),
    );
    return (facts = { oneToken: fact('one_token'), pastLen: fact('past_len') });
  };
  /** Whether the step is one token over a past whose length is a multiple of 4. */
  const alignedOneToken = (x: string, past: string): string => {
    const f = stepFacts(x, past);
    if (!f.aligned) {
      stepNodes.push(
        node('Mod', [f.pastLen, 'ipd/one_row_four'], [fact('past_rem')]),
        node('Equal', [fact('past_rem'), 'ipd/zero'], [fact('aligned')]),
        node('And', [f.oneToken, fact('aligned')], [fact('cond')]),
      );
      f.aligned = fact('cond');
    }
    return f.aligned;
  };
  model.nodes.forEach((mm, i) => {
    if (mm.opType !== 'MatMul' || edits.replace.has(i) || edits.remove.has(i)) return;
    const [a, b] = mm.input;
    const out = mm.output[0];
    const tag = `ipd/grouped_${i}`;
    const pastLength = (past: string) => [
      node('Shape', [past], [`${tag}/past_shape`]),
      node('Slice', [`${tag}/past_shape`, 'ipd/two', 'ipd/three'], [`${tag}/past_len`]),
    ];
    // Q x Transpose(repeat(K)): scores.
    const t = producer(b, 'Transpose');
    if (t !== undefined && isSwapLast(model.nodes[t])) {
      const rep = repeatChain(model.nodes[t].input[0]);
      if (!rep) return;
      const cat = splitKeys ? pastConcat(model, producers, rep.source) : undefined;
      // A scalar scale right after the scores (Mul or Div) moves onto each matmul, where
      // onnxruntime fuses it (FusedMatMul alpha) as it did in the original graph.
      const scale = scalarScaleAfter(out);
      const scaled = (x: string, name: string) => (scale ? [node(scale.op, [x, scale.value], [name])] : []);
      const s = (x: string) => (scale ? `${x}_scaled` : x);
      const result = scale ? scale.output : out;
      const q = node('Reshape', [a, grouped], [`${tag}/q`]);
      /** Scores against the past and the new keys apart, concatenated into `into`. */
      const splitScores = (split: { past: string; fresh: string }, into: string): NodeProto[] => [
        ...(perHead && scale
          ? [
              // K_past x Q^T, then transposed: the cache is read in place instead of
              // transposed into a packed copy, and each score is the same single chain of
              // d multiply-adds, scaled (an unscaled product at one row takes another kernel).
              node('Transpose', [`${tag}/q`], [`${tag}/qt`], { perm: [0, 1, 3, 2] }),
              node('MatMul', [split.past, `${tag}/qt`], [`${tag}/scores_past_t`]),
              ...scaled(`${tag}/scores_past_t`, s(`${tag}/scores_past_t`)),
              node('Transpose', [s(`${tag}/scores_past_t`)], [s(`${tag}/scores_past`)], { perm: [0, 1, 3, 2] }),
            ]
          : [
              node('Transpose', [split.past], [`${tag}/kt_past`], { perm: [0, 1, 3, 2] }),
              node('MatMul', [`${tag}/q`, `${tag}/kt_past`], [`${tag}/scores_past`]),
              ...scaled(`${tag}/scores_past`, s(`${tag}/scores_past`)),
            ]),
        node('Transpose', [split.fresh], [`${tag}/kt_new`], { perm: [0, 1, 3, 2] }),
        node('MatMul', [`${tag}/q`, `${tag}/kt_new`], [`${tag}/scores_new`]),
        ...scaled(`${tag}/scores_new`, s(`${tag}/scores_new`)),
        node('Concat', [s(`${tag}/scores_past`), s(`${tag}/scores_new`)], [into], { axis: 3 }),
      ];
      /** Scores against all keys as one tensor, into `into`. */
      const wholeScores = (keys: string, into: string): NodeProto[] => [
        node('Transpose', [keys], [`${tag}/kt`], { perm: [0, 1, 3, 2] }),
        node('MatMul', [`${tag}/q`, `${tag}/kt`], [scale ? `${tag}/scores_whole` : into]),
        ...scaled(`${tag}/scores_whole`, into),
      ];
      const scores = `${tag}/scores`;
      let nodes: NodeProto[];
      if (cat && perHead) {
        // On the host the split reads the cache in place at one-token steps; at a prompt step,
        // copying the keys (kv x T x d) costs far less than concatenating and transposing the
        // scores (H x S x T): an If picks by the step's length.
        const branches = {
          then: { nodes: splitScores(cat, `${scores}_then`), outputs: [`${scores}_then`] },
          else: { nodes: [node('Concat', [cat.past, cat.fresh], [`${tag}/k_all`], { axis: 2 }), ...wholeScores(`${tag}/k_all`, `${scores}_else`)], outputs: [`${scores}_else`] },
        };
        const oneToken = stepFacts(a, cat.past).oneToken;
        nodes = [q, ...stepNodes.splice(0), ifNode(oneToken, [scores], branches, elem)];
      } else nodes = [q, ...(cat ? splitScores(cat, scores) : wholeScores(rep.source, scores))];
      nodes.push(node('Reshape', [scores, heads], [result]));
      edits.insertBefore.set(i, nodes);
      if (scale) edits.remove.add(scale.index);
      edits.remove.add(i);
      dropIfUnused([t, ...rep.chain]);
      changed++;
      return;
    }
    // P x repeat(V): attention output.
    const rep = repeatChain(b);
    if (!rep) return;
    const cat = splitValues ? pastConcat(model, producers, rep.source) : undefined;
    if (perHead) {
      const oneRow = !cat && layout.oneRowValues ? pastConcat(model, producers, rep.source) : undefined;
      if (oneRow) oneRowCount++;
      // [B, H, S, T] -> [B, kv, g, S, T] against [B, kv, 1, T, d]: one product per head, broadcast.
      const byHead = (x: string, name: string) => [...unsqueeze(x, 1, `${name}_1`), node('Reshape', [`${name}_1`, 'ipd/shape_group5'], [name])];
      // Past and new values apart: bit-identically at one-token steps over pasts of 4k positions,
      // or (fast mode) at every one-token step; at prompt steps the probabilities' slices would
      // copy far more (H x S x T) than the values' Concat (kv x T x d).
      const split = cat ?? oneRow;
      const products = split
        ? oneRowValueProducts(tag, a, split, byHead, unsqueeze, cat ? stepFacts(a, split.past).oneToken : alignedOneToken(a, split.past), stepFacts(a, split.past).pastLen, elem)
        : [...byHead(a, `${tag}/p`), ...unsqueeze(rep.source, 2, `${tag}/v`), node('MatMul', [`${tag}/p`, `${tag}/v`], [`${tag}/out`])];
      edits.insertBefore.set(i, [...stepNodes.splice(0), ...products, node('Reshape', [`${tag}/out`, 'ipd/shape_heads_d'], [out])]);
    } else {
      edits.insertBefore.set(i, [
        node('Reshape', [a, grouped], [`${tag}/p`]),
        ...(cat
          ? [
              ...pastLength(cat.past),
              node('Slice', [`${tag}/p`, 'ipd/zero', `${tag}/past_len`, 'ipd/three'], [`${tag}/p_past`]),
              node('Slice', [`${tag}/p`, `${tag}/past_len`, 'ipd/int64_max_split', 'ipd/three'], [`${tag}/p_new`]),
              node('MatMul', [`${tag}/p_past`, cat.past], [`${tag}/out_past`]),
              node('MatMul', [`${tag}/p_new`, cat.fresh], [`${tag}/out_new`]),
              node('Add', [`${tag}/out_past`, `${tag}/out_new`], [`${tag}/out`]),
            ]
          : [node('MatMul', [`${tag}/p`, rep.source], [`${tag}/out`])]),
        node('Reshape', [`${tag}/out`, heads], [out]),
      ]);
    }
    if (cat) splitValueCount++;
    edits.remove.add(i);
    dropIfUnused(rep.chain);
    changed++;
  });
  if (changed > 0) {
    // 0 copies the input's size at that index (batch, and the last dimension).
    edits.appendInitializers.push(int64Initializer(grouped, [0, kvHeads, -1, 0]), int64Initializer(heads, [0, numHeads, -1, 0]));
    if (perHead) {
      edits.appendInitializers.push(int64Initializer('ipd/shape_group5', [0, kvHeads, numHeads / kvHeads, 0, 0]), int64Initializer('ipd/shape_heads_d', [0, numHeads, -1, headDim!]));
      if (model.opsetVersion >= 13) edits.appendInitializers.push(int64Initializer('ipd/axis_1', [1]), int64Initializer('ipd/axis_2', [2]));
    }
  }
  if (splitValueCount > 0 || oneRowCount > 0) {
    edits.appendInitializers.push(int64Initializer('ipd/zero', [0]), int64Initializer('ipd/three', [3]), int64MaxInitializer('ipd/int64_max_split'));
  }
  if (facts) {
    edits.appendInitializers.push(int64Initializer('ipd/one_row_one', [1]), int64Initializer('ipd/one_row_two', [2]), int64Initializer('ipd/one_row_three', [3]), int64Initializer('ipd/one_row_four', [4]));
  }
  return changed;
}

/**
 * P x Concat(V_past, V_new) per head, as an `If` on `cond` (exact mode: one token, past length a
 * multiple of 4; fast mode: one token). Its else branch is that product as the export computes
 * it. Its then branch skips the Concat, a copy of the whole value cache every step:
 * onnxruntime's one-row kernel sums along the positions in groups of 4 (then 2, then 1) and adds
 * each group to the running sum, so over a past of 4k positions plus the new one its result is
 * P[:past] x V_past (the same groups in the same order, reading the cache in place) + p_new *
 * v_new, bit for bit (tests/engine/grouped-attention.test.ts). Prompt steps take the many-row
 * kernel, whose sums are blocked otherwise, hence the else branch.
 */
function oneRowValueProducts(
  tag: string,
  probs: string,
  cat: { past: string; fresh: string },
  byHead: (x: string, name: string) => NodeProto[],
  unsqueeze: (x: string, axis: number, name: string) => NodeProto[],
  cond: string,
  pastLen: string,
  elem: number,
): NodeProto[] {
  const then = [
    ...pastAndNewOperands(tag, probs, pastLen, cat, byHead, unsqueeze),
    node('MatMul', [`${tag}/p_past`, `${tag}/v_past`], [`${tag}/out_past`]),
    // [B, kv, g, 1, 1] x [B, kv, 1, 1, d]: one product each, as the kernel's last group of 1.
    node('Mul', [`${tag}/p_new`, `${tag}/v_new`], [`${tag}/out_new`]),
    node('Add', [`${tag}/out_past`, `${tag}/out_new`], [`${tag}/out_then`]),
  ];
  const otherwise = [
    node('Concat', [cat.past, cat.fresh], [`${tag}/v_all`], { axis: 2 }),
    ...byHead(probs, `${tag}/p`),
    ...unsqueeze(`${tag}/v_all`, 2, `${tag}/v`),
    node('MatMul', [`${tag}/p`, `${tag}/v`], [`${tag}/out_else`]),
  ];
  return [ifNode(cond, [`${tag}/out`], { then: { nodes: then, outputs: [`${tag}/out_then`] }, else: { nodes: otherwise, outputs: [`${tag}/out_else`] } }, elem)];
}

/**
 * The probabilities' columns against the past and against the new positions, per query head
 * ([B, kv, g, S, *]: p_past, p_new), and the past and new values broadcast over the group
 * ([B, kv, 1, *, d]: v_past, v_new); `pastLen` names the past's length ([1] int64).
 */
function pastAndNewOperands(
  tag: string,
  probs: string,
  pastLen: string,
  cat: { past: string; fresh: string },
  byHead: (x: string, name: string) => NodeProto[],
  unsqueeze: (x: string, axis: number, name: string) => NodeProto[],
): NodeProto[] {
  return [
    node('Slice', [probs, 'ipd/zero', pastLen, 'ipd/three'], [`${tag}/p_past4`]),
    node('Slice', [probs, pastLen, 'ipd/int64_max_split', 'ipd/three'], [`${tag}/p_new4`]),
    ...byHead(`${tag}/p_past4`, `${tag}/p_past`),
    ...byHead(`${tag}/p_new4`, `${tag}/p_new`),
    ...unsqueeze(cat.past, 2, `${tag}/v_past`),
    ...unsqueeze(cat.fresh, 2, `${tag}/v_new`),
  ];
}

/** The Concat(past, new) along the sequence axis that makes a present tensor, if that is what it is. */
export function pastConcat(model: ParsedModel, producers: Map<string, number>, present: string): { index: number; past: string; fresh: string } | undefined {
  const index = producers.get(present);
  if (index === undefined) return undefined;
  const n = model.nodes[index];
  if (n.opType !== 'Concat' || n.input.length !== 2) return undefined;
  const axis = Number(n.attribute?.find((a) => a.name === 'axis')?.i ?? 0);
  const isPast = model.inputs.some((i) => i.name === n.input[0]);
  if (!isPast || (axis !== 2 && axis !== -2)) return undefined;
  return { index, past: n.input[0], fresh: n.input[1] };
}
