import onnxProto from 'onnx-proto';
import { int8Columns, integerToFloatNode, roundRows, type Int8Levels } from './fast-numerics';
import { ELEM_FLOAT, decodeInitializer, node, valueInfo, type GraphEdits, type ParsedModel } from './onnx-model';

const { onnx } = onnxProto;
/**
 * Screened logits the host reads per row, largest first: the host rescores down the list until
 * the best exact value beats the rest's bound (LmHeadScreen.pickTop), and runs the step again
 * for a row's whole screened logits when the list runs out first. On the benchmark's model with
 * weights within +-127 a row needs 5 on average, at most 46 in 8,039 picks; weights within
 * +-63 (CPUs whose integer GEMM saturates) double part of E, so four times as many are kept.
 * TopK over a 151,936 vocabulary at 50 rows costs about 3.5 ms at 64, 6 at 256.
 */
const screenTopK = (levels: Int8Levels) => (levels === 127 ? 64 : 256);

/**
 * What the engine needs to pick greedy tokens from a screened LM head: the graph's screened
 * logits (int8 x int8 products) and the head's input, the float weight rows to rescore
 * candidates exactly, and bounds of the screen's error.
 */
export interface ScreenIo {
  /**
   * [B, 1, V] float32: logits from the int8 copy of the head, divided by the row's `logitScale`
   * (fetched only when the top ones do not settle a row).
   */
  logits: string;
  /** [B, 1, 1] float32: what each row's `logits` are to be multiplied by. */
  logitScale: string;
  /** [B, 1, k] float32 and int64: the k largest screened logits of each row (scaled) and their entries, largest first. */
  topValues: string;
  topIndices: string;
  topK: number;
  /** [B, 1, H] float32: the hidden state the head multiplies. */
  hidden: string;
  /** [B, 1, H] float32: that state rounded to int8 steps (what the screen multiplies). */
  quantized: string;
  vocab: number;
  hiddenSize: number;
  /**
   * The float head weight: an initializer holding rows of H values per vocabulary entry
   * ([V, H]), or its transpose ([H, V]); and where the rewrite's weight file holds it.
   */
  rows: { initializer: string; transposed: boolean; file?: string; offset?: number; length?: number };
  /** The exact head as a graph of its own (built by the loader), for rows that sample from full logits. */
  headGraph?: string;
  /** The largest Euclidean norm of a head row w_v, and of its rounding error w_v - w'_v (the int8 copy's). */
  weightNorm: number;
  weightErrNorm: number;
}

/**
 * Replaces a float LM head (MatMul by a constant [H, V] weight, or by Transpose of a [V, H]
 * embedding as tied heads are exported) by an int8 screen and exposes the head's input. The
 * hidden state is rounded to int8 per row, the weights per vocabulary entry (within +-levels:
 * 63 where the CPU's integer GEMM would saturate), and multiplied in exact integer sums
 * (MLAS's u8 x s8 GEMM: at 32 rows about 1.5x faster than MatMulNBits' 8-bit blocks, about
 * as fast at one). The exact logits are no longer computed in the graph: the engine rescores
 * the few candidates the screen cannot rule out, bit-identically (engine/lm-head-screen.ts).
 * Returns undefined when the head is not of that form (or its weights are not embedded).
 */
export function screenLmHead(model: ParsedModel, edits: GraphEdits, headIndex: number, logits: string, levels: Int8Levels = 127): ScreenIo | undefined {
  const head = edits.replace.get(headIndex) ?? model.nodes[headIndex];
  if (head.opType !== 'MatMul' || head.output[0] !== logits) return undefined;
  const producers = new Map<string, number>();
  model.nodes.forEach((n, i) => n.output.forEach((o) => producers.set(o, i)));
  const weight = headWeight(model, producers, head.input[1]);
  if (!weight) return undefined;
  const { vocab, hiddenSize, rowsOf, rows } = weight;
  const { weights, scales } = int8Columns(rowsOf, vocab, hiddenSize, levels);
  let norm2 = 0;
  let err2 = 0;
  for (let v = 0; v < vocab; v++) {
    let n = 0;
    let e = 0;
    for (let k = 0; k < hiddenSize; k++) {
      const w = rowsOf[v * hiddenSize + k];
      const d = w - weights[k * vocab + v] * scales[v];
      n += w * w;
      e += d * d;
    }
    norm2 = Math.max(norm2, n);
    err2 = Math.max(err2, e);
  }
  const topK = Math.min(screenTopK(levels), vocab);
  const io: ScreenIo = {
    logits: 'ipd_screen_logits',
    logitScale: 'ipd_screen_logit_scale',
    topValues: 'ipd_screen_top_values',
    topIndices: 'ipd_screen_top_indices',
    topK,
    hidden: 'ipd_head_input',
    quantized: 'ipd_head_input_q',
    vocab,
    hiddenSize,
    rows,
    // Rounded up: the host's bound must not fall short by the last bit of a square root.
    weightNorm: Math.sqrt(norm2) * (1 + 1e-9),
    weightErrNorm: Math.sqrt(err2) * (1 + 1e-9),
  };
  const t = (n: string) => `ipd/screen/${n}`;
  edits.appendInitializers.push(
    onnx.TensorProto.create({ name: t('W8'), dataType: 3, dims: [hiddenSize, vocab], rawData: new Uint8Array(weights.buffer) }),
    onnx.TensorProto.create({ name: t('col_scales'), dataType: ELEM_FLOAT, dims: [vocab], rawData: new Uint8Array(scales.buffer) }),
    onnx.TensorProto.create({ name: t('k'), dataType: 7, dims: [1], rawData: new Uint8Array(new BigInt64Array([BigInt(topK)]).buffer) }),
  );
  // The hidden state in int8 steps of its row's scale; the host gets the rounded state (steps
  // times scale) to bound the error exactly. The GEMM's integer sums are exact, so the screen
  // is sum h' w' up to float rounding of the two scales.
  const { nodes, rows: r } = roundRows(model, edits, head.input[0], t('h'));
  edits.appendNodes.push(
    node('Identity', [head.input[0]], [io.hidden]),
    ...nodes,
    node('Mul', [r.steps, r.scale], [io.quantized]),
    node('Identity', [r.scale], [io.logitScale]),
    integerToFloatNode(r.q, t('W8'), t('col_scales'), io.logits),
    // The host reads the top entries only: hundreds of values a row instead of 151,936. The row's
    // scale is positive, so the order is that of the scaled logits.
    node('TopK', [io.logits, t('k')], [t('top_unscaled'), io.topIndices], { axis: -1, largest: 1, sorted: 1 }),
    node('Mul', [t('top_unscaled'), r.scale], [io.topValues]),
  );
  edits.remove.add(headIndex);
  edits.replace.delete(headIndex);
  edits.appendOutputs.push(
    valueInfo(io.logits, ELEM_FLOAT, ['batch_size', 1, vocab]),
    valueInfo(io.logitScale, ELEM_FLOAT, ['batch_size', 1, 1]),
    valueInfo(io.topValues, ELEM_FLOAT, ['batch_size', 1, topK]),
    valueInfo(io.topIndices, 7, ['batch_size', 1, topK]),
    valueInfo(io.hidden, ELEM_FLOAT, ['batch_size', 1, hiddenSize]),
    valueInfo(io.quantized, ELEM_FLOAT, ['batch_size', 1, hiddenSize]),
  );
  edits.removeOutputs.add(logits);
  return io;
}

/** The head's float32 weight as rows per vocabulary entry, and where the loader finds it. */
function headWeight(model: ParsedModel, producers: Map<string, number>, b: string) {
  const matrix = (name: string) => {
    const t = decodeInitializer(model, name);
    if (!t || t.dataType !== ELEM_FLOAT || t.dims.length !== 2 || !t.rawData?.length) return undefined;
    const raw = new Uint8Array(t.rawData); // aligned copy
    return { dims: [Number(t.dims[0]), Number(t.dims[1])], data: new Float32Array(raw.buffer, 0, raw.length / 4) };
  };
  if (model.initializerNames.has(b)) {
    const m = matrix(b);
    if (!m) return undefined;
    const [hiddenSize, vocab] = m.dims;
    const rowsOf = new Float32Array(vocab * hiddenSize);
    for (let k = 0; k < hiddenSize; k++) for (let v = 0; v < vocab; v++) rowsOf[v * hiddenSize + k] = m.data[k * vocab + v];
    return { vocab, hiddenSize, rowsOf, rows: { initializer: b, transposed: true } };
  }
  const p = producers.get(b);
  const tr = p === undefined ? undefined : model.nodes[p];
  const perm = tr?.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number);
  if (!tr || tr.opType !== 'Transpose' || !model.initializerNames.has(tr.input[0]) || (perm && !(perm[0] === 1 && perm[1] === 0))) return undefined;
  const m = matrix(tr.input[0]);
  if (!m) return undefined;
  const [vocab, hiddenSize] = m.dims;
  return { vocab, hiddenSize, rowsOf: m.data, rows: { initializer: tr.input[0], transposed: false } };
}

/**
 * The exact float head as a graph of its own, for steps where a row samples from the full
 * logits: [B, 1, H] -> [B, 1, V], the same MatMul as the export's (by the transpose of a
 * [V, H] embedding, or by the [H, V] weight), reading the weights from the rewrite's file.
 */
export function buildHeadGraph(io: ScreenIo): Uint8Array {
  const { rows, vocab, hiddenSize } = io;
  if (rows.file === undefined || rows.offset === undefined || rows.length === undefined) throw new Error('screened head: weight location unknown');
  const dims = rows.transposed ? [hiddenSize, vocab] : [vocab, hiddenSize];
  const weight = onnx.TensorProto.create({
    name: 'head_weight',
    dataType: ELEM_FLOAT,
    dims,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      onnx.StringStringEntryProto.create({ key: 'location', value: rows.file }),
      onnx.StringStringEntryProto.create({ key: 'offset', value: String(rows.offset) }),
      onnx.StringStringEntryProto.create({ key: 'length', value: String(rows.length) }),
    ],
  });
  const nodes = rows.transposed
    ? [node('MatMul', ['hidden', 'head_weight'], ['logits'])]
    : [node('Transpose', ['head_weight'], ['head_weight_t'], { perm: [1, 0] }), node('MatMul', ['hidden', 'head_weight_t'], ['logits'])];
  const vi = (name: string, d: Array<number | string>) =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: ELEM_FLOAT, shape: { dim: d.map((x) => (typeof x === 'number' ? { dimValue: x } : { dimParam: x })) } } } });
  const graph = onnx.GraphProto.create({ name: 'lm_head', node: nodes, initializer: [weight], input: [vi('hidden', ['batch', 1, hiddenSize])], output: [vi('logits', ['batch', 1, vocab])] });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}
