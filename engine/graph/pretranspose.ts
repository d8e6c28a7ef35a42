import onnxProto from 'onnx-proto';
import { ELEM_FLOAT, ELEM_FLOAT16, decodeInitializer, type GraphEdits, type ParsedModel } from './onnx-model';

const { onnx } = onnxProto;

/**
 * Tied embeddings as Optimum exports them: the LM head multiplies by Transpose(embed_tokens).
 * onnxruntime folds that Transpose at every load into a fresh copy of the largest matrix
 * (hundreds of MB; touching fresh memory costs about 4 s per GiB on a small VM) and holds it
 * twice. Written once, transposed, into the rewritten graph's weight file, it is mapped
 * instead. Same values into the same MatMul: outputs are identical.
 * Returns how many weights were transposed.
 */
export function pretransposeWeights(model: ParsedModel, edits: GraphEdits, minBytes: number): number {
  let done = 0;
  model.nodes.forEach((n, i) => {
    if (edits.remove.has(i) || n.opType !== 'Transpose' || !model.initializerNames.has(n.input[0])) return;
    const perm = (n.attribute ?? []).find((a) => a.name === 'perm')?.ints?.map(Number);
    if (perm && !(perm.length === 2 && perm[0] === 1 && perm[1] === 0)) return;
    const t = decodeInitializer(model, n.input[0]);
    if (!t || t.dims.length !== 2 || (t.dataType !== ELEM_FLOAT && t.dataType !== ELEM_FLOAT16)) return;
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || !t.rawData || t.rawData.length < minBytes) return;
    const [rows, cols] = t.dims.map(Number);
    edits.remove.add(i);
    edits.appendInitializers.push(
      onnx.TensorProto.create({ name: n.output[0], dataType: t.dataType, dims: [cols, rows], rawData: transposeRaw(t.rawData, rows, cols, t.dataType === ELEM_FLOAT ? 4 : 2) }),
    );
    done++;
  });
  return done;
}

/** [rows, cols] -> [cols, rows] of `size`-byte elements, in tiles that stay in cache. */
function transposeRaw(raw: Uint8Array, rows: number, cols: number, size: 2 | 4): Uint8Array {
  const out = new Uint8Array(raw.length);
  // Typed views need aligned offsets; protobuf payloads are not always aligned.
  // (a Node Buffer's slice() is a view, so copy through the constructor.)
  const src = raw.byteOffset % size === 0 ? raw : new Uint8Array(raw);
  const n = rows * cols;
  const a = size === 4 ? new Uint32Array(src.buffer as ArrayBuffer, src.byteOffset, n) : new Uint16Array(src.buffer as ArrayBuffer, src.byteOffset, n);
  const b = size === 4 ? new Uint32Array(out.buffer, 0, n) : new Uint16Array(out.buffer, 0, n);
  const T = 64;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) b[c * rows + r] = a[r * cols + c];
    }
  }
  return out;
}
