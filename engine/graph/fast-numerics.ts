import onnxProto from 'onnx-proto';
import { ELEM_FLOAT, decodeInitializer, type GraphEdits, type NodeProto, type ParsedModel } from './onnx-model';

const { onnx } = onnxProto;
const MS_DOMAIN = 'com.microsoft';
const ELEM_UINT8 = 2;
/** Int8 compute of MatMulNBits: A quantized per block to int8, VNNI dot products. */
const ACCURACY_INT8 = 4;
const BLOCK = 32;

/**
 * `--numerics fast`: matrix products in int8 on the CPU's VNNI units instead of fp32.
 *  - 4-bit MatMulNBits (q4 exports) get accuracy_level 4: activations quantized to int8 per
 *    block, integer dot products (the exports leave it unset: fp32 compute);
 *  - float MatMuls by a constant 2-D weight (fp32 layers, and the tied LM head, which q4
 *    exports keep in fp32) become 8-bit MatMulNBits with accuracy_level 4: symmetric
 *    per-block weights of 64 (32 where K is not a multiple of 64), scale = max |w| / 127.
 *    MLAS's int8 kernel runs blocks of 64 about a third faster than blocks of 32.
 * Both change results (about 0.4% relative per product), so greedy tokens can differ from
 * exact mode; the README reports the agreement. Returns notes of what changed.
 */
export function applyFastNumerics(model: ParsedModel, edits: GraphEdits): string[] {
  const producers = new Map<string, number>();
  model.nodes.forEach((n, i) => n.output.forEach((o) => producers.set(o, i)));
  let int8Compute = 0;
  let quantized = 0;
  model.nodes.forEach((n, i) => {
    if (edits.remove.has(i)) return;
    const current = edits.replace.get(i) ?? n;
    if (current.opType === 'MatMulNBits' && current.domain === MS_DOMAIN) {
      edits.replace.set(i, withAttribute(current, 'accuracy_level', ACCURACY_INT8));
      int8Compute++;
      return;
    }
    if (current.opType !== 'MatMul') return;
    const weight = constantWeight(model, producers, edits, current.input[1]);
    if (!weight) return;
    const { k, n: cols, rowsOfB } = weight;
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
    if (weight.initializer && consumers(model, weight.initializer) === 1) edits.removeInitializers.add(weight.initializer);
    quantized++;
  });
  const notes: string[] = [];
  if (int8Compute) notes.push(`fast numerics: ${int8Compute} 4-bit matmul(s) with int8 compute`);
  if (quantized) notes.push(`fast numerics: ${quantized} float matmul(s) as 8-bit weights with int8 compute`);
  return notes;
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

/** Symmetric 8-bit blocks along K; stored offset by 128, MatMulNBits' default zero point for 8 bits. */
export function quantize8(rowsOfB: Float32Array, n: number, k: number, block = BLOCK): { packed: Uint8Array; scales: Float32Array } {
  const blocks = k / block;
  const packed = new Uint8Array(n * k);
  const scales = new Float32Array(n * blocks);
  for (let j = 0; j < n; j++) {
    for (let b = 0; b < blocks; b++) {
      const base = j * k + b * block;
      let max = 0;
      for (let i = 0; i < block; i++) max = Math.max(max, Math.abs(rowsOfB[base + i]));
      const scale = max / 127;
      scales[j * blocks + b] = scale;
      const inv = scale === 0 ? 0 : 1 / scale;
      for (let i = 0; i < block; i++) packed[base + i] = Math.max(-127, Math.min(127, Math.round(rowsOfB[base + i] * inv))) + 128;
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
