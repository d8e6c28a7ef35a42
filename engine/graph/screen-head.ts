import onnxProto from 'onnx-proto';
import { quantize8 } from './fast-numerics';
import { ELEM_FLOAT, decodeInitializer, node, valueInfo, type GraphEdits, type NodeProto, type ParsedModel } from './onnx-model';

const { onnx } = onnxProto;
/**
 * Inputs per quantization block of the screen (weights and the hidden state alike): 64 where
 * the hidden size allows, else 32. MLAS's int8 kernel runs a 150k-vocabulary head at 50 rows
 * about a third faster with blocks of 64 than of 32 (128 gains little more), while the error
 * bound, and so the number of candidates to rescore, grows only with the coarser steps.
 */
function screenBlock(hiddenSize: number): number | undefined {
  return hiddenSize % 64 === 0 ? 64 : hiddenSize % 32 === 0 ? 32 : undefined;
}
/**
 * Screened logits the host reads per row. Enough when the candidates (within 2E of the top)
 * are fewer; otherwise the engine runs the step again for whole rows, which on the benchmark
 * workload happened in one decode step in ten with 128 and in none with 256.
 */
const SCREEN_TOP_K = 256;

/**
 * What the engine needs to pick greedy tokens from a screened LM head: the graph's screened
 * logits (8-bit weights, int8 compute) and the head's input, the float weight rows to rescore
 * candidates exactly, and per-block bounds of the screen's error.
 */
export interface ScreenIo {
  /** [B, 1, V] float32: logits from the 8-bit copy of the head (fetched only when the top ones do not settle a row). */
  logits: string;
  /** [B, 1, k] float32 and int64: the k largest screened logits of each row and their entries, largest first. */
  topValues: string;
  topIndices: string;
  topK: number;
  /** [B, 1, H] float32: the hidden state the head multiplies. */
  hidden: string;
  /** [B, 1, H] float32: that state rounded to int8 steps per block (what the screen multiplies). */
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
  /** Per block of inputs (hiddenSize / weightErr.length of them): the largest weight rounding error (scale / 2), and the largest |weight|. */
  weightErr: number[];
  weightMax: number[];
}

/**
 * Replaces a float LM head (MatMul by a constant [H, V] weight, or by Transpose of a [V, H]
 * embedding as tied heads are exported) by an 8-bit screen with int8 compute, and exposes
 * the head's input. The exact logits are no longer computed in the graph: the engine rescores
 * the few candidates the screen cannot rule out, bit-identically (engine/lm-head-screen.ts).
 * Returns undefined when the head is not of that form (or its weights are not embedded).
 */
export function screenLmHead(model: ParsedModel, edits: GraphEdits, headIndex: number, logits: string): ScreenIo | undefined {
  const head = edits.replace.get(headIndex) ?? model.nodes[headIndex];
  if (head.opType !== 'MatMul' || head.output[0] !== logits) return undefined;
  const producers = new Map<string, number>();
  model.nodes.forEach((n, i) => n.output.forEach((o) => producers.set(o, i)));
  const weight = headWeight(model, producers, head.input[1]);
  if (!weight) return undefined;
  const { vocab, hiddenSize, rowsOf, rows } = weight;
  const block = screenBlock(hiddenSize);
  if (block === undefined) return undefined;
  const q = quantize8(rowsOf, vocab, hiddenSize, block);
  const blocks = hiddenSize / block;
  const weightErr = new Array<number>(blocks).fill(0);
  const weightMax = new Array<number>(blocks).fill(0);
  for (let v = 0; v < vocab; v++) {
    for (let b = 0; b < blocks; b++) {
      weightErr[b] = Math.max(weightErr[b], q.scales[v * blocks + b] / 2);
      for (let i = 0; i < block; i++) weightMax[b] = Math.max(weightMax[b], Math.abs(rowsOf[v * hiddenSize + b * block + i]));
    }
  }
  const topK = Math.min(SCREEN_TOP_K, vocab);
  const io: ScreenIo = {
    logits: 'ipd_screen_logits',
    topValues: 'ipd_screen_top_values',
    topIndices: 'ipd_screen_top_indices',
    topK,
    hidden: 'ipd_head_input',
    quantized: 'ipd_head_input_q',
    vocab,
    hiddenSize,
    rows,
    weightErr,
    weightMax,
  };
  edits.appendInitializers.push(
    onnx.TensorProto.create({ name: 'ipd/screen/B', dataType: 2, dims: [vocab, blocks, block], rawData: q.packed }),
    onnx.TensorProto.create({ name: 'ipd/screen/scales', dataType: ELEM_FLOAT, dims: [vocab, blocks], rawData: new Uint8Array(q.scales.buffer) }),
    onnx.TensorProto.create({ name: 'ipd/screen/blocks', dataType: 7, dims: [3], rawData: new Uint8Array(new BigInt64Array([-1n, BigInt(blocks), BigInt(block)]).buffer) }),
    onnx.TensorProto.create({ name: 'ipd/screen/hidden_shape', dataType: 7, dims: [3], rawData: new Uint8Array(new BigInt64Array([-1n, 1n, BigInt(hiddenSize)]).buffer) }),
    onnx.TensorProto.create({ name: 'ipd/screen/int8_max', dataType: ELEM_FLOAT, dims: [], rawData: new Uint8Array(Float32Array.of(127).buffer) }),
    onnx.TensorProto.create({ name: 'ipd/screen/k', dataType: 7, dims: [1], rawData: new Uint8Array(new BigInt64Array([BigInt(topK)]).buffer) }),
    onnx.TensorProto.create({ name: 'ipd/screen/last_axis', dataType: 7, dims: [1], rawData: new Uint8Array(new BigInt64Array([2n]).buffer) }),
    onnx.TensorProto.create({ name: 'ipd/screen/tiny', dataType: ELEM_FLOAT, dims: [], rawData: new Uint8Array(Float32Array.of(1e-30).buffer) }),
  );
  // The hidden state rounded to int8 steps per block here (scale = max |x| / 127, rounded to
  // even), so the screen's activation error is known exactly; the kernel's own int8
  // quantization of these values is exact.
  const t = (n: string) => `ipd/screen/${n}`;
  edits.appendNodes.push(
    node('Identity', [head.input[0]], [io.hidden]),
    node('Reshape', [head.input[0], t('blocks')], [t('h_blocks')]),
    node('Abs', [t('h_blocks')], [t('abs')]),
    // ReduceMax takes its axes as an input from opset 18 on, as an attribute before.
    model.opsetVersion >= 18 ? node('ReduceMax', [t('abs'), t('last_axis')], [t('amax')], { keepdims: 1 }) : node('ReduceMax', [t('abs')], [t('amax')], { axes: [2], keepdims: 1 }),
    node('Div', [t('amax'), t('int8_max')], [t('scale')]),
    node('Max', [t('scale'), t('tiny')], [t('safe_scale')]),
    node('Div', [t('h_blocks'), t('safe_scale')], [t('steps')]),
    node('Round', [t('steps')], [t('q')]),
    node('Mul', [t('q'), t('scale')], [t('hq_blocks')]),
    node('Reshape', [t('hq_blocks'), t('hidden_shape')], [io.quantized]),
  );
  edits.replace.set(headIndex, matMulNBits8(io.quantized, io.logits, hiddenSize, vocab, block));
  // The host reads the top entries only: 128 values a row instead of 151,936.
  edits.appendNodes.push(node('TopK', [io.logits, t('k')], [io.topValues, io.topIndices], { axis: -1, largest: 1, sorted: 1 }));
  edits.appendOutputs.push(
    valueInfo(io.logits, ELEM_FLOAT, ['batch_size', 1, vocab]),
    valueInfo(io.topValues, ELEM_FLOAT, ['batch_size', 1, topK]),
    valueInfo(io.topIndices, 7, ['batch_size', 1, topK]),
    valueInfo(io.hidden, ELEM_FLOAT, ['batch_size', 1, hiddenSize]),
    valueInfo(io.quantized, ELEM_FLOAT, ['batch_size', 1, hiddenSize]),
  );
  edits.removeOutputs.add(logits);
  return io;
}

function matMulNBits8(input: string, output: string, k: number, n: number, block: number): NodeProto {
  return onnx.NodeProto.create({
    opType: 'MatMulNBits',
    domain: 'com.microsoft',
    input: [input, 'ipd/screen/B', 'ipd/screen/scales'],
    output: [output],
    name: 'ipd/screen/MatMulNBits8',
    attribute: [
      ['K', k],
      ['N', n],
      ['bits', 8],
      ['block_size', block],
      ['accuracy_level', 4],
    ].map(([name, i]) => onnx.AttributeProto.create({ name: name as string, i: i as number, type: onnx.AttributeProto.AttributeType.INT })),
  });
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
