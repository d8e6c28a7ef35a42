// ONNX model -> bytes, optionally with the initializers moved to an external data file laid out
// as onnx.save_model(..., save_as_external_data=True, all_tensors_to_one_file=True) does.
import { onnx, type TensorProto } from './onnx-builder';
import type onnxProto from 'onnx-proto';

// onnx's default size_threshold: smaller tensors stay inline.
const EXTERNAL_THRESHOLD_BYTES = 1024;
// Page-aligned offsets let onnxruntime map the data instead of copying it.
const EXTERNAL_ALIGN = 4096;

export interface EncodedModel {
  model: Uint8Array;
  /** the external data file's bytes, as chunks to write in order */
  externalData?: Uint8Array[];
}

export function encodeModel(model: onnxProto.onnx.IModelProto, external?: { location: string }): EncodedModel {
  if (!external) return { model: onnx.ModelProto.encode(model).finish() };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const initializers = (model.graph?.initializer ?? []).map((t): TensorProto => {
    const raw = t.rawData;
    if (!raw || raw.byteLength < EXTERNAL_THRESHOLD_BYTES) return t;
    const pad = (EXTERNAL_ALIGN - (offset % EXTERNAL_ALIGN)) % EXTERNAL_ALIGN;
    if (pad > 0) chunks.push(new Uint8Array(pad));
    offset += pad;
    chunks.push(raw);
    const entry: TensorProto = {
      ...t,
      rawData: undefined,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: external.location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(raw.byteLength) },
      ],
    };
    offset += raw.byteLength;
    return entry;
  });
  const moved = { ...model, graph: { ...model.graph, initializer: initializers } };
  return { model: onnx.ModelProto.encode(moved).finish(), externalData: chunks };
}
