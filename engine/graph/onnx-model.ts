import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS: take the namespace from its default export.
const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.NodeProto;
type TensorProto = onnxProto.onnx.TensorProto;
type ValueInfoProto = onnxProto.onnx.ValueInfoProto;
export type { NodeProto, TensorProto, ValueInfoProto };
import { fields, lengthDelimitedHeader, readVarint } from './wire';

export type ElemType = number; // onnx.TensorProto.DataType
export const ELEM_FLOAT = 1;
export const ELEM_INT64 = 7;
export const ELEM_FLOAT16 = 10;

export interface IoInfo {
  name: string;
  elemType: ElemType;
  /** Static sizes as numbers, symbolic ones as their names (or '?'). */
  dims: Array<number | string>;
}

/** The parts of an ONNX model the engine inspects, decoded without the initializer payloads. */
export interface ParsedModel {
  bytes: Uint8Array;
  opsetVersion: number;
  inputs: IoInfo[];
  outputs: IoInfo[];
  nodes: NodeProto[];
  initializerNames: Set<string>;
  /** Byte ranges for re-assembly. */
  graphField: { start: number; end: number; dataStart: number; dataEnd: number };
  graphFields: Array<{ fieldNo: number; start: number; end: number; nodeIndex?: number }>;
}

const MODEL_GRAPH = 7;
const MODEL_OPSET = 8;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const TENSOR_NAME = 8;

function ioInfo(vi: ValueInfoProto): IoInfo {
  const tt = vi.type?.tensorType;
  return {
    name: vi.name,
    elemType: tt?.elemType ?? 0,
    dims: (tt?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : d.dimParam || '?')),
  };
}

function tensorName(buf: Uint8Array, start: number, end: number): string {
  for (const f of fields(buf, start, end)) {
    if (f.fieldNo === TENSOR_NAME && f.wireType === 2) return new TextDecoder().decode(buf.subarray(f.dataStart, f.dataEnd));
  }
  return '';
}

export function parseModel(bytes: Uint8Array): ParsedModel {
  let graphField: ParsedModel['graphField'] | undefined;
  let opsetVersion = 0;
  for (const f of fields(bytes)) {
    if (f.fieldNo === MODEL_GRAPH && f.wireType === 2) graphField = f;
    else if (f.fieldNo === MODEL_OPSET && f.wireType === 2) {
      const op = onnx.OperatorSetIdProto.decode(bytes.subarray(f.dataStart, f.dataEnd));
      if (!op.domain || op.domain === 'ai.onnx') opsetVersion = Number(op.version);
    }
  }
  if (!graphField) throw new Error('not an ONNX model: no graph');
  const inputs: IoInfo[] = [];
  const outputs: IoInfo[] = [];
  const nodes: NodeProto[] = [];
  const initializerNames = new Set<string>();
  const graphFields: ParsedModel['graphFields'] = [];
  for (const f of fields(bytes, graphField.dataStart, graphField.dataEnd)) {
    const entry: ParsedModel['graphFields'][number] = { fieldNo: f.fieldNo, start: f.start, end: f.end };
    const payload = bytes.subarray(f.dataStart, f.dataEnd);
    if (f.fieldNo === GRAPH_NODE) {
      entry.nodeIndex = nodes.length;
      nodes.push(onnx.NodeProto.decode(payload));
    } else if (f.fieldNo === GRAPH_INPUT) inputs.push(ioInfo(onnx.ValueInfoProto.decode(payload)));
    else if (f.fieldNo === GRAPH_OUTPUT) outputs.push(ioInfo(onnx.ValueInfoProto.decode(payload)));
    else if (f.fieldNo === GRAPH_INITIALIZER) initializerNames.add(tensorName(bytes, f.dataStart, f.dataEnd));
    graphFields.push(entry);
  }
  // Graph inputs that are also initializers are constants with defaults, not feeds.
  return { bytes, opsetVersion, inputs: inputs.filter((i) => !initializerNames.has(i.name)), outputs, nodes, initializerNames, graphField, graphFields };
}

export interface GraphEdits {
  /** Nodes inserted right before the node at the given original index. */
  insertBefore: Map<number, NodeProto[]>;
  /** Replacement for original nodes (same index). */
  replace: Map<number, NodeProto>;
  appendNodes: NodeProto[];
  appendOutputs: ValueInfoProto[];
  appendInputs: ValueInfoProto[];
  appendInitializers: TensorProto[];
}

export function emptyEdits(): GraphEdits {
  return { insertBefore: new Map(), replace: new Map(), appendNodes: [], appendOutputs: [], appendInputs: [], appendInitializers: [] };
}

/**
 * Re-assembles the model with the edits as a list of byte chunks: untouched fields
 * (initializers above all) are views into the original buffer, so nothing large is copied
 * until the chunks are written out.
 */
export function assembleModel(model: ParsedModel, edits: GraphEdits): Uint8Array[] {
  const { bytes, graphField } = model;
  const graphParts: Uint8Array[] = [];
  const enc = (fieldNo: number, payload: Uint8Array) => {
    graphParts.push(lengthDelimitedHeader(fieldNo, payload.length), payload);
  };
  for (const f of model.graphFields) {
    if (f.nodeIndex !== undefined) {
      for (const n of edits.insertBefore.get(f.nodeIndex) ?? []) enc(GRAPH_NODE, onnx.NodeProto.encode(n).finish());
      const repl = edits.replace.get(f.nodeIndex);
      if (repl) {
        enc(GRAPH_NODE, onnx.NodeProto.encode(repl).finish());
        continue;
      }
    }
    graphParts.push(bytes.subarray(f.start, f.end));
  }
  for (const n of edits.appendNodes) enc(GRAPH_NODE, onnx.NodeProto.encode(n).finish());
  for (const t of edits.appendInitializers) enc(GRAPH_INITIALIZER, onnx.TensorProto.encode(t).finish());
  for (const i of edits.appendInputs) enc(GRAPH_INPUT, onnx.ValueInfoProto.encode(i).finish());
  for (const o of edits.appendOutputs) enc(GRAPH_OUTPUT, onnx.ValueInfoProto.encode(o).finish());
  const graphLen = graphParts.reduce((n, p) => n + p.length, 0);
  // Everything of the ModelProto before and after the graph field stays as it was.
  return [bytes.subarray(0, graphField.start), lengthDelimitedHeader(MODEL_GRAPH, graphLen), ...graphParts, bytes.subarray(graphField.end)];
}

export function concatChunks(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

export function int64Initializer(name: string, values: number[]): TensorProto {
  const raw = new BigInt64Array(values.map((v) => BigInt(v)));
  return onnx.TensorProto.create({ name, dataType: ELEM_INT64, dims: [values.length], rawData: new Uint8Array(raw.buffer) });
}

export function valueInfo(name: string, elemType: ElemType, dims: Array<number | string>): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}

export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, number | number[]> = {}, name?: string): NodeProto {
  const attribute = Object.entries(attrs).map(([k, v]) =>
    Array.isArray(v)
      ? onnx.AttributeProto.create({ name: k, ints: v, type: onnx.AttributeProto.AttributeType.INTS })
      : onnx.AttributeProto.create({ name: k, i: v, type: onnx.AttributeProto.AttributeType.INT }),
  );
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, attribute, name: name ?? outputs[0] });
}

export { readVarint };
