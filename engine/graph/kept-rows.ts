import { decodeInitializer, int64Initializer, int64Values, node, nodeInputs, type GraphEdits, type NodeProto, type ParsedModel } from './onnx-model';

/**
 * Only the last positions' logits are kept (num_logits_to_keep, or the engine's own Slice
 * before the head), yet the export runs the last layer's attention output, o_proj, MLP and
 * final norm over every position of a prompt: in that layer only the keys and values need all
 * of them. This moves the Slice up the graph, through ops that treat positions independently
 * (element-wise ops, norms over the hidden axis, products with a weight, per-row
 * quantization, attention's query rows), to the tensors that other outputs need in full
 * anyway (the residual stream, the shared norm before k/v, the masks, cos/sin) and slices
 * those instead. Each kept row is computed by the same kernels on the same inputs, so its
 * logits are bit-identical (tests/engine/kept-rows.test.ts); a prompt of S tokens skips
 * (S - 2) / S of that tail: most of one layer's work in L (a 24-layer model: 4% of a
 * prefill; the 4-layer benchmark model: 23%).
 *
 * `sliced` is the tensor the head reads, made by a Slice on the position axis. Returns how
 * many nodes now run on the kept rows only (0: nothing to gain, the graph is unchanged).
 */
export function keptRowsOnly(model: ParsedModel, edits: GraphEdits, sliced: string): number {
  const graph = effectiveGraph(model, edits);
  const last = graph.producer.get(sliced);
  if (!last || last.node.opType !== 'Slice') return 0;
  const [x, starts, ends, axesName, steps] = last.node.input;
  const axes = axesName ? constInts(model, edits, axesName) : undefined;
  if (!axes || axes.length !== 1 || (steps && constInts(model, edits, steps)?.some((s) => s !== 1))) return 0;
  const ranks = new RankOf(model, edits, graph);
  const rank = ranks.of(x);
  if (rank === undefined) return 0;
  const live = liveWithout(model, edits, graph, last.node);
  // At least two rows: onnxruntime multiplies a one-row product by another kernel whose sums
  // differ in the last bit (measured: 1-ulp logit differences keeping one row, none with two).
  // A one-token step keeps its one row, as before.
  if (model.opsetVersion < 12) return 0;
  const keptStarts = `${starts}/ipd_at_least_two`;

  const added: NodeProto[] = [];
  const axisInits = new Map<number, string>();
  const cuts = new Map<string, string>();
  const clones = new Map<NodeProto, Map<number, NodeProto>>();
  /** Slice of a tensor something else needs in full: the same last positions as the head's Slice. */
  const cut = (t: string, axis: number): string => {
    const key = `${t}|${axis}`;
    let out = cuts.get(key);
    if (!out) {
      let axisName = axisInits.get(axis);
      if (!axisName) axisInits.set(axis, (axisName = `ipd/kept_axis_${axis}`));
      out = `${t}/ipd_kept_a${axis}`;
      cuts.set(key, out);
      added.push(node('Slice', [t, keptStarts, ends, axisName], [out]));
    }
    return out;
  };
  /** `t` keeping only the last positions along `axis` (t has `r` dimensions). */
  const keep = (t: string, axis: number, r: number): string => {
    const entry = graph.producer.get(t);
    if (!entry || live.has(t)) return cut(t, axis);
    const p = entry.node;
    const inputs = clonedInputs(p, t, axis, r);
    if (!inputs) return cut(t, axis);
    let byAxis = clones.get(p);
    if (!byAxis) clones.set(p, (byAxis = new Map()));
    let clone = byAxis.get(axis);
    if (!clone) {
      const suffix = `/ipd_kept_a${axis}`;
      clone = { ...p, input: inputs(), output: p.output.map((o) => (o ? `${o}${suffix}` : o)), name: `${p.name || p.output[0]}${suffix}` } as NodeProto;
      byAxis.set(axis, clone);
      added.push(clone);
    }
    return clone.output[p.output.indexOf(t)];
  };
  /** How the inputs of `p` keep their last positions so that its output `t` does along `axis`; undefined: not per position. */
  const clonedInputs = (p: NodeProto, t: string, axis: number, r: number): (() => string[]) | undefined => {
    const op = p.opType;
    const attr = (name: string) => p.attribute?.find((a) => a.name === name);
    const isConst = (name: string) => !name || graph.isInitializer(name);
    if (ELEMENTWISE.has(op) && p.output.length === 1) {
      const plan: Array<[string, number | undefined]> = [];
      for (const i of p.input) {
        if (isConst(i)) {
          plan.push([i, undefined]);
          continue;
        }
        const ri = ranks.of(i);
        if (ri === undefined) return undefined;
        const ai = axis - (r - ri);
        plan.push([i, ai < 0 ? undefined : ai]);
      }
      return () => plan.map(([i, ai]) => (ai === undefined ? i : keep(i, ai, ranks.of(i)!)));
    }
    if (op === 'Transpose') {
      const perm = attr('perm')?.ints?.map(Number);
      if (!perm || perm.length !== r) return undefined;
      return () => [keep(p.input[0], perm[axis], r)];
    }
    if (op === 'Reshape') {
      const shape = constInts(model, edits, p.input[1]);
      if (!shape || Number(attr('allowzero')?.i ?? 0) !== 0 || !shape.slice(0, axis + 1).every((d) => d === 0)) return undefined;
      const ri = ranks.of(p.input[0]);
      if (ri === undefined || ri <= axis) return undefined;
      return () => [keep(p.input[0], axis, ri), p.input[1]];
    }
    if (op === 'Softmax' || op === 'LogSoftmax') {
      const opset13 = model.opsetVersion >= 13;
      const a = norm(Number(attr('axis')?.i ?? (opset13 ? -1 : 1)), r);
      // Before opset 13 the op flattens the axes from `axis` on: earlier ones are rows.
      if (opset13 ? a === axis : axis >= a) return undefined;
      return () => [keep(p.input[0], axis, r)];
    }
    if (op.startsWith('Reduce')) {
      const list = attr('axes')?.ints?.map(Number) ?? (p.input[1] ? constInts(model, edits, p.input[1]) : undefined);
      if (!list || Number(attr('keepdims')?.i ?? 1) !== 1 || list.some((a) => norm(a, r) === axis)) return undefined;
      return () => [keep(p.input[0], axis, r), ...p.input.slice(1)];
    }
    if (NORMS.has(op)) {
      // Normalized over the axes from `axis` (default the last); skip inputs add element-wise.
      const a = norm(Number(attr('axis')?.i ?? -1), r);
      const rowInputs = op.startsWith('Skip') ? 2 : 1;
      if (axis >= a || p.input.slice(rowInputs).some((i) => !isConst(i))) return undefined;
      return () => p.input.map((i, k) => (k < rowInputs ? keep(i, axis, r) : i));
    }
    if (op === 'Slice') {
      const sliceAxes = p.input[3] ? constInts(model, edits, p.input[3]) : undefined;
      if (!sliceAxes || sliceAxes.some((a) => norm(a, r) === axis) || p.input.slice(1).some((i) => !isConst(i))) return undefined;
      return () => [keep(p.input[0], axis, r), ...p.input.slice(1)];
    }
    if (op === 'Concat') {
      if (norm(Number(attr('axis')?.i ?? 0), r) === axis) return undefined;
      return () => p.input.map((i) => keep(i, axis, r));
    }
    if (MATMULS.has(op)) {
      // Rows of the product are rows of A; B and every other input must be weights (plain
      // MatMul: B may be an activation when the rows are A's, e.g. attention's queries).
      if (op === 'FusedMatMul' && (Number(attr('transA')?.i ?? 0) !== 0 || Number(attr('transBatchA')?.i ?? 0) !== 0)) return undefined;
      const plainB = op === 'MatMul' || op === 'FusedMatMul';
      if (p.input.slice(plainB ? 2 : 1).some((i) => !isConst(i))) return undefined;
      const ra = ranks.of(p.input[0]);
      if (ra === undefined) return undefined;
      const rowAxis = op === 'MatMulNBits' || !plainB || isConst(p.input[1]) ? axis < r - 1 : axis === r - 2;
      const ai = axis - (r - ra);
      if (!rowAxis || ai < 0) return undefined;
      return () => [keep(p.input[0], ai, ra), ...p.input.slice(1)];
    }
    return undefined;
  };

  const axis = norm(axes[0], rank);
  const kept = keep(x, axis, rank);
  // Nothing moved up: the head's input would only be sliced twice.
  if (cuts.get(`${x}|${axis}`) === kept) return 0;
  last.set({ ...last.node, input: [kept, ...last.node.input.slice(1)] } as NodeProto);
  for (const [axis, name] of axisInits) edits.appendInitializers.push(int64Initializer(name, [axis]));
  edits.appendInitializers.push(int64Initializer('ipd/kept_minus_two', [-2]));
  edits.appendNodes.push(node('Min', [starts, 'ipd/kept_minus_two'], [keptStarts]), ...added);
  return clones.size;
}

/** A possibly negative axis as its index among `rank` dimensions. */
const norm = (a: number, rank: number) => (a < 0 ? a + rank : a);

/** Ops whose every output element reads only the same-index (broadcast) elements of its inputs. */
const ELEMENTWISE = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Where', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Not',
  'Abs', 'Neg', 'Sqrt', 'Reciprocal', 'Exp', 'Log', 'Sigmoid', 'Tanh', 'Erf', 'Relu', 'Round', 'Floor', 'Ceil', 'Cast', 'Identity',
  'Sin', 'Cos', 'Softplus', 'Gelu', 'FastGelu', 'QuickGelu', 'Clip',
]);
const NORMS = new Set(['LayerNormalization', 'SimplifiedLayerNormalization', 'RMSNormalization', 'SkipLayerNormalization', 'SkipSimplifiedLayerNormalization']);
const MATMULS = new Set(['MatMul', 'FusedMatMul', 'MatMulNBits', 'MatMulInteger', 'MatMulIntegerToFloat', 'DynamicQuantizeMatMul']);

interface Entry {
  node: NodeProto;
  /** Replaces this node in the edits (an original by `replace`, an added one in its list). */
  set(n: NodeProto): void;
}

/** The graph as the edits leave it: originals (replaced or not, minus removed) and added nodes. */
function effectiveGraph(model: ParsedModel, edits: GraphEdits) {
  const entries: Entry[] = [];
  const inList = (list: NodeProto[], k: number): Entry => ({ node: list[k], set: (n) => (list[k] = n) });
  model.nodes.forEach((n, i) => {
    const before = edits.insertBefore.get(i) ?? [];
    before.forEach((_, k) => entries.push(inList(before, k)));
    if (!edits.remove.has(i)) entries.push({ node: edits.replace.get(i) ?? n, set: (r) => edits.replace.set(i, r) });
  });
  edits.appendNodes.forEach((_, k) => entries.push(inList(edits.appendNodes, k)));
  const producer = new Map<string, Entry>();
  for (const e of entries) for (const o of e.node.output) if (o) producer.set(o, e);
  const appended = new Map(edits.appendInitializers.map((t) => [t.name, t]));
  const isInitializer = (name: string) => appended.has(name) || (model.initializerNames.has(name) && !edits.removeInitializers.has(name));
  return { entries, producer, appended, isInitializer };
}
type Graph = ReturnType<typeof effectiveGraph>;

/** Values of a small int64 constant, original or added by an earlier rewrite. */
function constInts(model: ParsedModel, edits: GraphEdits, name: string): number[] | undefined {
  const added = edits.appendInitializers.find((t) => t.name === name);
  if (added) return added.rawData?.length ? Array.from(new BigInt64Array(added.rawData.slice().buffer), Number) : added.int64Data?.map(Number);
  return int64Values(model, name);
}

/**
 * Tensors the graph's outputs need without going through `boundary`'s data input: those
 * stay whole (their producers run anyway), everything else upstream of the boundary can shrink.
 */
function liveWithout(model: ParsedModel, edits: GraphEdits, graph: Graph, boundary: NodeProto): Set<string> {
  const live = new Set(model.outputs.map((o) => o.name).filter((n) => !edits.removeOutputs.has(n)));
  for (const o of edits.appendOutputs) live.add(o.name);
  const stack = [...live];
  while (stack.length > 0) {
    const e = graph.producer.get(stack.pop()!);
    if (!e) continue;
    nodeInputs(e.node).forEach((i, k) => {
      if (!i || live.has(i) || (e.node === boundary && k === 0)) return;
      live.add(i);
      stack.push(i);
    });
    // Every output of a node that runs is computed whole.
    for (const o of e.node.output) live.add(o);
  }
  return live;
}

/** Number of dimensions of a tensor, where the graph fixes it; undefined where it does not. */
class RankOf {
  private memo = new Map<string, number | undefined>();
  constructor(
    private model: ParsedModel,
    private edits: GraphEdits,
    private graph: Graph,
  ) {}

  of(name: string): number | undefined {
    if (this.memo.has(name)) return this.memo.get(name);
    this.memo.set(name, undefined); // cycles cannot happen in a valid graph; this guards anyway
    const r = this.compute(name);
    this.memo.set(name, r);
    return r;
  }

  private compute(name: string): number | undefined {
    const input = this.model.inputs.find((i) => i.name === name) ?? this.edits.appendInputs.find((i) => i.name === name);
    if (input) return 'dims' in input ? input.dims.length : input.type?.tensorType?.shape?.dim?.length;
    const added = this.graph.appended.get(name);
    if (added) return added.dims.length;
    if (this.graph.isInitializer(name)) return decodeInitializer(this.model, name)?.dims.length;
    const p = this.graph.producer.get(name)?.node;
    if (!p) return undefined;
    const op = p.opType;
    const attr = (n: string) => p.attribute?.find((a) => a.name === n);
    const all = () => {
      const rs = p.input.filter((i) => i).map((i) => this.of(i));
      return rs.some((r) => r === undefined) ? undefined : Math.max(...(rs as number[]));
    };
    if (ELEMENTWISE.has(op) || op === 'Concat') return all();
    if (['Transpose', 'Softmax', 'LogSoftmax', 'Slice', ...NORMS].includes(op)) return this.of(p.input[0]);
    if (op.startsWith('Reduce')) return Number(attr('keepdims')?.i ?? 1) === 1 ? this.of(p.input[0]) : undefined;
    if (op === 'MatMulNBits') return this.of(p.input[0]);
    if (MATMULS.has(op)) {
      const [a, b] = [this.of(p.input[0]), this.of(p.input[1])];
      return a === undefined || b === undefined ? undefined : Math.max(a, b, 2);
    }
    if (op === 'Reshape') return constInts(this.model, this.edits, p.input[1])?.length;
    if (op === 'Unsqueeze' || op === 'Squeeze') {
      const axes = attr('axes')?.ints?.length ?? (p.input[1] ? constInts(this.model, this.edits, p.input[1])?.length : undefined);
      const r = this.of(p.input[0]);
      return axes === undefined || r === undefined ? undefined : op === 'Unsqueeze' ? r + axes : r - axes;
    }
    if (op === 'Gather') {
      const [data, indices] = [this.of(p.input[0]), this.of(p.input[1])];
      return data === undefined || indices === undefined ? undefined : data - 1 + indices;
    }
    if (op === 'Shape' || op === 'Range') return 1;
    if (op === 'Constant') return attr('value')?.t?.dims?.length;
    return undefined;
  }
}
