import onnxProto from 'onnx-proto';
import { ELEM_FLOAT, ELEM_INT64, decodeInitializer, node, type GraphEdits, type NodeProto, type ParsedModel } from './onnx-model';

const { onnx } = onnxProto;
const MS_DOMAIN = 'com.microsoft';
const ELEM_UINT8 = 2;
const ELEM_INT8 = 3;
/** Int8 compute of MatMulNBits: A quantized per block to int8, VNNI dot products. */
const ACCURACY_INT8 = 4;
const BLOCK = 32;

/**
 * Outputs this wide are LM heads (a vocabulary): their integer product ends in
 * MatMulIntegerToFloat (weight scales applied in the GEMM's output pass) and one Mul by the
 * row scales, instead of a Cast and two Muls over a [rows, vocabulary] tensor.
 */
const HEAD_WIDTH = 32768;

/**
 * Largest int8 weight level. MLAS's u8 x s8 GEMM sums pairs of products in 16 bits with
 * saturation where the CPU lacks VNNI (AVX2, AVX-512 without VNNI): 2 x 255 x 127 overflows,
 * 2 x 255 x 63 does not. Callers probe the machine (node-host/int8-levels.ts) and pass 63
 * where sums saturate.
 */
export type Int8Levels = 127 | 63;

/**
 * `--numerics fast`: matrix products in int8 on the CPU's VNNI units instead of fp32.
 *  - On the CPU, every weight (float MatMuls by a constant 2-D weight, LM heads included, and
 *    4-bit MatMulNBits, dequantized first) becomes int8 per output feature (scale = max |w| /
 *    127, or / 63 where the CPU's integer GEMM saturates: Int8Levels)
 *    and multiply activations rounded to int8 per row (scale = max |x| / 127) in exact
 *    integer arithmetic (MatMulInteger, MLAS's u8s8 GEMM), then both scales. That GEMM runs
 *    prompt-sized products 1.5-2.5x faster than MatMulNBits' int8 path and one row about as
 *    fast; a q4 model's layers then stream 8-bit instead of 4-bit weights, so its one-row
 *    decode is about 10% slower. An input several products share (q/k/v, gate/up) is
 *    rounded once. For a 150k-vocabulary head the integer GEMM takes about two thirds of
 *    MatMulNBits' int8 time at 8-50 rows and about the same at one.
 *  - On other targets every product stays MatMulNBits: 4-bit ones get
 *    accuracy_level 4 (activations quantized to int8 per block; the exports leave it unset:
 *    fp32 compute), float ones become 8-bit with accuracy_level 4: symmetric per-block weights
 *    of 64 (32 where K is not a multiple of 64), scale = max |w| / 127. MLAS's int8 kernel
 *    runs blocks of 64 about a third faster than blocks of 32.
 * All of these change results (well under 1% relative per product), so greedy tokens can
 * differ from exact mode; the README reports the agreement. Returns notes of what changed.
 */
export function applyFastNumerics(model: ParsedModel, edits: GraphEdits, cpu = true, levels: Int8Levels = 127): string[] {
  const producers = new Map<string, number>();
  model.nodes.forEach((n, i) => n.output.forEach((o) => producers.set(o, i)));
  const rounded = new Map<string, RoundedRows>();
  let int8Compute = 0;
  let quantized = 0;
  let integer = 0;
  model.nodes.forEach((n, i) => {
    if (edits.remove.has(i)) return;
    const current = edits.replace.get(i) ?? n;
    if (current.opType === 'MatMulNBits' && current.domain === MS_DOMAIN) {
      const w = cpu ? nbitsWeight(model, current) : undefined;
      if (w) {
        integerProduct(model, edits, rounded, i, current, w, levels);
        for (const name of current.input.slice(1, 4)) if (name && consumers(model, name) === 1) edits.removeInitializers.add(name);
        integer++;
        return;
      }
      edits.replace.set(i, withAttribute(current, 'accuracy_level', ACCURACY_INT8));
      int8Compute++;
      return;
    }
    if (current.opType !== 'MatMul') return;
    const weight = constantWeight(model, producers, edits, current.input[1]);
    if (!weight) return;
    const { k, n: cols, rowsOfB } = weight;
    const dropWeight = () => {
      if (weight.initializer && consumers(model, weight.initializer) === 1) edits.removeInitializers.add(weight.initializer);
    };
    if (cpu) {
      integerProduct(model, edits, rounded, i, current, weight, levels);
      dropWeight();
      integer++;
      return;
    }
    const block = k % 64 === 0 ? 64 : k % BLOCK === 0 ? BLOCK : undefined;
    if (block === undefined) return;
    const tag = `ipd/fast_${i}`;
    const q = quantize8(rowsOfB, cols, k, block);
    edits.appendInitializers.push(
      onnx.TensorProto.create({ name: `${tag}/B`, dataType: ELEM_UINT8, dims: [cols, k / block, block], rawData: q.packed }),
      onnx.TensorProto.create({ name: `${tag}/scales`, dataType: ELEM_FLOAT, dims: [cols, k / block], rawData: new Uint8Array(q.scales.buffer) }),
    );
    const op = onnx.NodeProto.create({
      opType: 'MatMulNBits',
      domain: MS_DOMAIN,
      input: [current.input[0], `${tag}/B`, `${tag}/scales`],
      output: current.output,
      name: `${current.name || tag}/MatMulNBits8`,
      attribute: [
        ['K', k],
        ['N', cols],
        ['bits', 8],
        ['block_size', block],
        ['accuracy_level', ACCURACY_INT8],
      ].map(([name, v]) => onnx.AttributeProto.create({ name: name as string, i: v as number, type: onnx.AttributeProto.AttributeType.INT })),
    });
    edits.replace.set(i, op);
    dropWeight();
    quantized++;
  });
  const notes: string[] = [];
  if (integer) notes.push(`fast numerics: ${integer} matmul(s) as int8 x int8 integer products (weights per output feature, activations per row)`);
  if (int8Compute) notes.push(`fast numerics: ${int8Compute} 4-bit matmul(s) with int8 compute`);
  if (quantized) notes.push(`fast numerics: ${quantized} float matmul(s) as 8-bit weights with int8 compute`);
  return notes;
}

/** An activation rounded to int8 steps per row: uint8 values offset by 128, the steps as floats, and the per-row scale. */
export interface RoundedRows {
  q: string;
  steps: string;
  scale: string;
}

const SHARED = 'ipd/fast_int8';

/** Constants the integer products share, added once per graph. */
function addSharedInitializers(edits: GraphEdits): void {
  if (edits.appendInitializers.some((t) => t.name === `${SHARED}/inv127`)) return;
  const float = (name: string, v: number) => onnx.TensorProto.create({ name: `${SHARED}/${name}`, dataType: ELEM_FLOAT, dims: [], rawData: new Uint8Array(Float32Array.of(v).buffer) });
  edits.appendInitializers.push(
    float('inv127', 1 / 127),
    float('tiny', 1e-30),
    float('offset', 128),
    float('one', 1),
    onnx.TensorProto.create({ name: `${SHARED}/zero_point`, dataType: ELEM_UINT8, dims: [], rawData: Uint8Array.of(128) }),
    onnx.TensorProto.create({ name: `${SHARED}/last_axis`, dataType: ELEM_INT64, dims: [1], rawData: new Uint8Array(BigInt64Array.of(-1n).buffer) }),
  );
}

/**
 * Nodes rounding `input` ([..., K] float) to int8 steps per row (last axis): scale = max |x| /
 * 127 (at least 1e-30), steps = round(x / scale) within [-127, 127], q = steps + 128 as uint8
 * (MatMulInteger's A, zero point 128). Names start with `a`.
 */
export function roundRows(model: ParsedModel, edits: GraphEdits, input: string, a: string): { nodes: NodeProto[]; rows: RoundedRows } {
  addSharedInitializers(edits);
  const rows = { q: `${a}/q`, steps: `${a}/rounded`, scale: `${a}/scale` };
  const nodes = [
    node('Abs', [input], [`${a}/abs`]),
    // ReduceMax takes its axes as an input from opset 18 on, as an attribute before.
    model.opsetVersion >= 18 ? node('ReduceMax', [`${a}/abs`, `${SHARED}/last_axis`], [`${a}/max`], { keepdims: 1 }) : node('ReduceMax', [`${a}/abs`], [`${a}/max`], { axes: [-1], keepdims: 1 }),
    node('Mul', [`${a}/max`, `${SHARED}/inv127`], [`${a}/raw_scale`]),
    node('Max', [`${a}/raw_scale`, `${SHARED}/tiny`], [rows.scale]),
    node('Div', [input, rows.scale], [`${a}/steps`]),
    node('Round', [`${a}/steps`], [rows.steps]),
    node('Add', [rows.steps, `${SHARED}/offset`], [`${a}/shifted`]),
    node('Cast', [`${a}/shifted`], [rows.q], { to: ELEM_UINT8 }),
  ];
  return { nodes, rows };
}

/**
 * Weights [K, N] as int8 per output feature (MatMulInteger's B), from rows per feature:
 * scale_j = max |w_j| / levels, values round(w / scale_j) within +-levels.
 */
export function int8Columns(rowsOfB: Float32Array, n: number, k: number, levels: Int8Levels): { weights: Int8Array; scales: Float32Array } {
  const { packed, scales } = quantize8(rowsOfB, n, k, k, levels);
  const weights = new Int8Array(k * n);
  for (let j = 0; j < n; j++) for (let x = 0; x < k; x++) weights[x * n + j] = packed[j * k + x] - 128;
  return { weights, scales };
}

/** round(x / s_row) x W8 in exact integer sums, times each column's scale (MatMulIntegerToFloat): `out` is the product divided by the row scale. */
export function integerToFloatNode(q: string, weights: string, colScales: string, out: string): NodeProto {
  return onnx.NodeProto.create({ opType: 'MatMulIntegerToFloat', domain: MS_DOMAIN, input: [q, weights, `${SHARED}/one`, colScales, `${SHARED}/zero_point`], output: [out], name: out });
}

/**
 * Node i (x times a constant weight) as MatMulInteger(round(x / s_row) + 128, W8, zero point
 * 128) * s_row * s_col: the integer sums are exact; only the roundings of x and W change
 * the result.
 */
function integerProduct(model: ParsedModel, edits: GraphEdits, rounded: Map<string, RoundedRows>, i: number, current: NodeProto, w: { k: number; n: number; rowsOfB: Float32Array }, levels: Int8Levels): void {
  const { k, n, rowsOfB } = w;
  const tag = `ipd/fast_${i}`;
  const { weights, scales: colScales } = int8Columns(rowsOfB, n, k, levels);
  edits.appendInitializers.push(
    onnx.TensorProto.create({ name: `${tag}/W8`, dataType: ELEM_INT8, dims: [k, n], rawData: new Uint8Array(weights.buffer) }),
    onnx.TensorProto.create({ name: `${tag}/col_scales`, dataType: ELEM_FLOAT, dims: [n], rawData: new Uint8Array(colScales.buffer) }),
  );
  const before: NodeProto[] = [];
  const input = current.input[0];
  let r = rounded.get(input);
  if (!r) {
    const made = roundRows(model, edits, input, `${tag}/a`);
    before.push(...made.nodes);
    r = made.rows;
    rounded.set(input, r);
  }
  if (n >= HEAD_WIDTH) {
    before.push(integerToFloatNode(r.q, `${tag}/W8`, `${tag}/col_scales`, `${tag}/col_scaled`), node('Mul', [`${tag}/col_scaled`, r.scale], [current.output[0]]));
  } else {
    before.push(
      node('MatMulInteger', [r.q, `${tag}/W8`, `${SHARED}/zero_point`], [`${tag}/acc`]),
      node('Cast', [`${tag}/acc`], [`${tag}/acc_f`], { to: ELEM_FLOAT }),
      node('Mul', [`${tag}/acc_f`, r.scale], [`${tag}/row_scaled`]),
      node('Mul', [`${tag}/row_scaled`, `${tag}/col_scales`], [current.output[0]]),
    );
  }
  edits.insertBefore.set(i, [...(edits.insertBefore.get(i) ?? []), ...before]);
  edits.replace.delete(i);
  edits.remove.add(i);
}

/**
 * The float weight a 4-bit MatMulNBits multiplies by, as rows per output feature:
 * (q - zero point) * scale per block (zero point 8 unless given as packed uint8). Undefined
 * for what this does not read (other bit widths, fp16 scales, g_idx or bias inputs, weights
 * outside the graph).
 */
function nbitsWeight(model: ParsedModel, n: NodeProto): { k: number; n: number; rowsOfB: Float32Array } | undefined {
  const attr = (name: string) => Number(n.attribute?.find((a) => a.name === name)?.i ?? NaN);
  const K = attr('K');
  const N = attr('N');
  const block = attr('block_size');
  if (attr('bits') !== 4 || !(block >= 2) || n.input.slice(4).some(Boolean)) return undefined;
  const B = decodeInitializer(model, n.input[1]);
  const S = decodeInitializer(model, n.input[2]);
  const Z = n.input[3] ? decodeInitializer(model, n.input[3]) : undefined;
  if (!B?.rawData?.length || S?.dataType !== ELEM_FLOAT || !S.rawData?.length) return undefined;
  if (n.input[3] && (Z?.dataType !== ELEM_UINT8 || !Z.rawData?.length)) return undefined;
  const blocks = Math.ceil(K / block);
  const packed = B.rawData;
  const scaleBytes = new Uint8Array(S.rawData); // aligned copy
  const scales = new Float32Array(scaleBytes.buffer, 0, scaleBytes.length / 4);
  const zp = Z?.rawData;
  if (packed.length < (N * blocks * block) / 2 || scales.length < N * blocks) return undefined;
  const rows = new Float32Array(N * K);
  for (let j = 0; j < N; j++) {
    for (let b = 0; b < blocks; b++) {
      const scale = scales[j * blocks + b];
      const zero = zp ? (zp[j * Math.ceil(blocks / 2) + (b >> 1)] >> ((b & 1) * 4)) & 0x0f : 8;
      const base = ((j * blocks + b) * block) / 2;
      for (let x = 0; x < block && b * block + x < K; x++) {
        const byte = packed[base + (x >> 1)];
        rows[j * K + b * block + x] = (((x & 1) === 1 ? byte >> 4 : byte & 0x0f) - zero) * scale;
      }
    }
  }
  return { k: K, n: N, rowsOfB: rows };
}

interface ConstantWeight {
  /** The initializer the MatMul reads directly (dropped: a weight is read by one MatMul). */
  initializer?: string;
  k: number;
  n: number;
  /** The weight as MatMulNBits wants it: row j holds output feature j's K inputs. */
  rowsOfB: Float32Array;
}

/** An embedded fp32 [K, N] initializer, or Transpose([N, K] initializer) as tied LM heads are exported. */
function constantWeight(model: ParsedModel, producers: Map<string, number>, edits: GraphEdits, name: string): ConstantWeight | undefined {
  if (model.initializerNames.has(name)) {
    const t = floatMatrix(model, name);
    if (!t) return undefined;
    const [k, n] = t.dims;
    return { initializer: name, k, n, rowsOfB: transpose(t.data, k, n) };
  }
  const p = producers.get(name);
  if (p === undefined || edits.remove.has(p)) return undefined;
  const tr = model.nodes[p];
  const perm = tr.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number);
  if (tr.opType !== 'Transpose' || !model.initializerNames.has(tr.input[0]) || (perm && !(perm[0] === 1 && perm[1] === 0))) return undefined;
  const t = floatMatrix(model, tr.input[0]);
  if (!t) return undefined;
  // Transpose(E [N, K]) as B: E's rows already are B's output features.
  return { k: t.dims[1], n: t.dims[0], rowsOfB: t.data };
}

function floatMatrix(model: ParsedModel, name: string): { dims: [number, number]; data: Float32Array } | undefined {
  const t = decodeInitializer(model, name);
  if (!t || t.dataType !== ELEM_FLOAT || t.dims.length !== 2 || !t.rawData?.length) return undefined;
  const raw = new Uint8Array(t.rawData); // aligned copy
  return { dims: [Number(t.dims[0]), Number(t.dims[1])], data: new Float32Array(raw.buffer, 0, raw.length / 4) };
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/** Symmetric 8-bit blocks along K (values within +-levels); stored offset by 128, MatMulNBits' default zero point for 8 bits. */
export function quantize8(rowsOfB: Float32Array, n: number, k: number, block = BLOCK, levels: Int8Levels = 127): { packed: Uint8Array; scales: Float32Array } {
  const blocks = k / block;
  const packed = new Uint8Array(n * k);
  const scales = new Float32Array(n * blocks);
  for (let j = 0; j < n; j++) {
    for (let b = 0; b < blocks; b++) {
      const base = j * k + b * block;
      let max = 0;
      for (let i = 0; i < block; i++) max = Math.max(max, Math.abs(rowsOfB[base + i]));
      const scale = max / levels;
      scales[j * blocks + b] = scale;
      const inv = scale === 0 ? 0 : 1 / scale;
      for (let i = 0; i < block; i++) packed[base + i] = Math.max(-levels, Math.min(levels, Math.round(rowsOfB[base + i] * inv))) + 128;
    }
  }
  return { packed, scales };
}

function consumers(model: ParsedModel, name: string): number {
  let n = 0;
  for (const node of model.nodes) for (const x of node.input) if (x === name) n++;
  return n;
}

function withAttribute(n: NodeProto, name: string, value: number): NodeProto {
  const attribute = (n.attribute ?? []).filter((a) => a.name !== name);
  attribute.push(onnx.AttributeProto.create({ name, i: value, type: onnx.AttributeProto.AttributeType.INT }));
  return onnx.NodeProto.create({ ...n, attribute });
}
