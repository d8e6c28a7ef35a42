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
  /** Byte range of each initializer's TensorProto, to decode small constants on demand. */
  initializerRanges: Map<string, { start: number; end: number }>;
  /** Byte ranges for re-assembly. */
  graphField: { start: number; end: number; dataStart: number; dataEnd: number };
  graphFields: Array<{ fieldNo: number; start: number; end: number; nodeIndex?: number; outputName?: string; initializerName?: string }>;
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
  const initializerRanges = new Map<string, { start: number; end: number }>();
  const graphFields: ParsedModel['graphFields'] = [];
  for (const f of fields(bytes, graphField.dataStart, graphField.dataEnd)) {
    const entry: ParsedModel['graphFields'][number] = { fieldNo: f.fieldNo, start: f.start, end: f.end };
    const payload = bytes.subarray(f.dataStart, f.dataEnd);
    if (f.fieldNo === GRAPH_NODE) {
      entry.nodeIndex = nodes.length;
      nodes.push(onnx.NodeProto.decode(payload));
    } else if (f.fieldNo === GRAPH_INPUT) inputs.push(ioInfo(onnx.ValueInfoProto.decode(payload)));
    else if (f.fieldNo === GRAPH_OUTPUT) {
      outputs.push(ioInfo(onnx.ValueInfoProto.decode(payload)));
      entry.outputName = outputs[outputs.length - 1].name;
    }
    else if (f.fieldNo === GRAPH_INITIALIZER) {
      const name = tensorName(bytes, f.dataStart, f.dataEnd);
      entry.initializerName = name;
      initializerNames.add(name);
      initializerRanges.set(name, { start: f.dataStart, end: f.dataEnd });
    }
    graphFields.push(entry);
  }
  // Graph inputs that are also initializers are constants with defaults, not feeds.
  return { bytes, opsetVersion, inputs: inputs.filter((i) => !initializerNames.has(i.name)), outputs, nodes, initializerNames, initializerRanges, graphField, graphFields };
}

/** Values of a small int64 initializer (axes, shapes), or undefined when it is not one. */
export function int64Values(model: ParsedModel, name: string): number[] | undefined {
  const range = model.initializerRanges.get(name);
  if (!range || range.end - range.start > 4096) return undefined;
  const t = onnx.TensorProto.decode(model.bytes.subarray(range.start, range.end));
  if (t.dataType !== ELEM_INT64) return undefined;
  if (t.rawData?.length) {
    const raw = t.rawData;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
  }
  return t.int64Data.map((v) => Number(v));
}

export interface GraphEdits {
  /** Nodes inserted right before the node at the given original index. */
  insertBefore: Map<number, NodeProto[]>;
  /** Replacement for original nodes (same index). */
  replace: Map<number, NodeProto>;
  /** Original nodes dropped (their outputs must have no other consumer). */
  remove: Set<number>;
  /** Graph outputs no longer exposed (their values may stay as intermediates). */
  removeOutputs: Set<string>;
  /** Original initializers nothing reads any more (left out of the file). */
  removeInitializers: Set<string>;
  appendNodes: NodeProto[];
  appendOutputs: ValueInfoProto[];
  appendInputs: ValueInfoProto[];
  appendInitializers: TensorProto[];
}

export function emptyEdits(): GraphEdits {
  return { insertBefore: new Map(), replace: new Map(), remove: new Set(), removeOutputs: new Set(), removeInitializers: new Set(), appendNodes: [], appendOutputs: [], appendInputs: [], appendInitializers: [] };
}

/**
 * Drops nodes whose outputs nothing reads any more (e.g. the shape arithmetic of an Expand
 * that a rewrite removed, or nodes an earlier rewrite added that a later one bypassed): a dead
 * node would still run and keep its inputs alive. Returns how many nodes went.
 */
export function pruneDeadNodes(model: ParsedModel, edits: GraphEdits): number {
  const live = new Set(model.outputs.map((o) => o.name).filter((n) => !edits.removeOutputs.has(n)));
  for (const o of edits.appendOutputs) live.add(o.name);
  const original = model.nodes.map((n, i) => (edits.remove.has(i) ? undefined : (edits.replace.get(i) ?? n)));
  const all = [...original, ...[...edits.insertBefore.values()].flat(), ...edits.appendNodes];
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of all) {
      if (!n || !n.output.some((o) => live.has(o))) continue;
      for (const x of nodeInputs(n)) {
        if (x && !live.has(x)) {
          live.add(x);
          changed = true;
        }
      }
    }
  }
  const isLive = (n: NodeProto) => n.output.some((o) => live.has(o));
  let pruned = 0;
  original.forEach((n, i) => {
    if (n && !isLive(n)) {
      edits.remove.add(i);
      pruned++;
    }
  });
  for (const [i, list] of edits.insertBefore) {
    const kept = list.filter(isLive);
    pruned += list.length - kept.length;
    edits.insertBefore.set(i, kept);
  }
  const appended = edits.appendNodes.filter(isLive);
  pruned += edits.appendNodes.length - appended.length;
  edits.appendNodes.splice(0, edits.appendNodes.length, ...appended);
  return pruned;
}

/**
 * Re-assembles the model with the edits as a list of byte chunks: untouched fields
 * (initializers above all) are views into the original buffer, so nothing large is copied
 * until the chunks are written out.
 */
export interface ExternalizeOptions {
  /** File name of the weights, beside the graph. */
  location: string;
  /** Initializers with at least this many bytes of raw data move out. */
  minBytes: number;
  /** Receives the weight file's chunks (page-aligned), in order. */
  data: Uint8Array[];
  /** Receives where each moved initializer sits in the weight file. */
  placed?: Map<string, { offset: number; length: number }>;
}

const PAGE = 4096;

/**
 * Moves a large embedded initializer into the external weight file (page-aligned, so
 * onnxruntime can map it instead of copying it out of a parsed protobuf: faster loads).
 */
function externalize(payload: Uint8Array, opts: ExternalizeOptions, offset: { value: number }): Uint8Array | undefined {
  if (payload.length < opts.minBytes) return undefined;
  return externalizeTensor(onnx.TensorProto.decode(payload), opts, offset);
}

function externalizeTensor(t: TensorProto, opts: ExternalizeOptions, offset: { value: number }): Uint8Array | undefined {
  const raw = t.rawData;
  if (!raw || raw.length < opts.minBytes || t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return undefined;
  const pad = (PAGE - (offset.value % PAGE)) % PAGE;
  if (pad) opts.data.push(new Uint8Array(pad));
  offset.value += pad;
  opts.data.push(raw);
  t.externalData = [
    onnx.StringStringEntryProto.create({ key: 'location', value: opts.location }),
    onnx.StringStringEntryProto.create({ key: 'offset', value: String(offset.value) }),
    onnx.StringStringEntryProto.create({ key: 'length', value: String(raw.length) }),
  ];
  t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  t.rawData = new Uint8Array(0);
  opts.placed?.set(t.name, { offset: offset.value, length: raw.length });
  offset.value += raw.length;
  return onnx.TensorProto.encode(t).finish();
}

export function assembleModel(model: ParsedModel, edits: GraphEdits, external?: ExternalizeOptions): Uint8Array[] {
  const { bytes, graphField } = model;
  const graphParts: Uint8Array[] = [];
  const enc = (fieldNo: number, payload: Uint8Array) => {
    graphParts.push(lengthDelimitedHeader(fieldNo, payload.length), payload);
  };
  const dataOffset = { value: 0 };
  for (const f of model.graphFields) {
    if (f.outputName !== undefined && edits.removeOutputs.has(f.outputName)) continue;
    if (f.initializerName !== undefined && edits.removeInitializers.has(f.initializerName)) continue;
    if (external && f.fieldNo === GRAPH_INITIALIZER) {
      const moved = externalize(bytes.subarray(f.start, f.end).subarray(headerLength(bytes, f.start)), external, dataOffset);
      if (moved) {
        enc(GRAPH_INITIALIZER, moved);
        continue;
      }
    }
    if (f.nodeIndex !== undefined) {
      for (const n of edits.insertBefore.get(f.nodeIndex) ?? []) enc(GRAPH_NODE, onnx.NodeProto.encode(n).finish());
      if (edits.remove.has(f.nodeIndex)) continue;
      const repl = edits.replace.get(f.nodeIndex);
      if (repl) {
        enc(GRAPH_NODE, onnx.NodeProto.encode(repl).finish());
        continue;
      }
    }
    graphParts.push(bytes.subarray(f.start, f.end));
  }
  for (const n of edits.appendNodes) enc(GRAPH_NODE, onnx.NodeProto.encode(n).finish());
  for (const t of edits.appendInitializers) enc(GRAPH_INITIALIZER, (external && externalizeTensor(t, external, dataOffset)) || onnx.TensorProto.encode(t).finish());
  for (const i of edits.appendInputs) enc(GRAPH_INPUT, onnx.ValueInfoProto.encode(i).finish());
  for (const o of edits.appendOutputs) enc(GRAPH_OUTPUT, onnx.ValueInfoProto.encode(o).finish());
  const graphLen = graphParts.reduce((n, p) => n + p.length, 0);
  // Everything of the ModelProto before and after the graph field stays as it was.
  return [bytes.subarray(0, graphField.start), lengthDelimitedHeader(MODEL_GRAPH, graphLen), ...graphParts, bytes.subarray(graphField.end)];
}

/** Bytes of a length-delimited field's tag and length prefix. */
function headerLength(bytes: Uint8Array, start: number): number {
  const afterTag = readVarint(bytes, start)[1];
  return readVarint(bytes, afterTag)[1] - start;
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

/** Decodes an embedded initializer (its raw data stays a view into the model's bytes). */
export function decodeInitializer(model: ParsedModel, name: string): TensorProto | undefined {
  const range = model.initializerRanges.get(name);
  return range && onnx.TensorProto.decode(model.bytes.subarray(range.start, range.end));
}

export function int64Initializer(name: string, values: number[]): TensorProto {
  const raw = new BigInt64Array(values.map((v) => BigInt(v)));
  return onnx.TensorProto.create({ name, dataType: ELEM_INT64, dims: [values.length], rawData: new Uint8Array(raw.buffer) });
}

/** A one-element int64 tensor holding INT64_MAX (a Slice's open end). */
export function int64MaxInitializer(name: string): TensorProto {
  const t = int64Initializer(name, [0]);
  new BigInt64Array(t.rawData.buffer, t.rawData.byteOffset, 1)[0] = 9223372036854775807n;
  return t;
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

/**
 * An `If` node: `cond` (one boolean) picks which branch's nodes run; each branch reads the
 * outer graph's tensors by name and makes `outputs` (of `elemType`) from its own list.
 */
export function ifNode(cond: string, outputs: string[], branches: Record<'then' | 'else', { nodes: NodeProto[]; outputs: string[] }>, elemType: ElemType = ELEM_FLOAT): NodeProto {
  const graph = (name: 'then' | 'else') =>
    onnx.GraphProto.create({
      name: `${outputs[0]}/${name}`,
      node: branches[name].nodes,
      output: branches[name].outputs.map((o) => onnx.ValueInfoProto.create({ name: o, type: { tensorType: { elemType } } })),
    });
  const attribute = (['then', 'else'] as const).map((b) => onnx.AttributeProto.create({ name: `${b}_branch`, g: graph(b), type: onnx.AttributeProto.AttributeType.GRAPH }));
  return onnx.NodeProto.create({ opType: 'If', input: [cond], output: outputs, attribute, name: outputs[0] });
}

/** Everything a node reads: its inputs and, for control flow, what its branches read from outside. */
export function nodeInputs(n: NodeProto): string[] {
  const inner = (n.attribute ?? []).flatMap((a) => [a.g, ...(a.graphs ?? [])]).filter((g) => g != null);
  return [...n.input, ...inner.flatMap((g) => (g!.node ?? []).flatMap((x) => nodeInputs(x as NodeProto)))];
}

export { readVarint };
