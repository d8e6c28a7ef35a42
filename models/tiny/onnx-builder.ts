// A small ONNX graph builder over onnx-proto's protobuf classes: nodes with generated output
// names, deduplicated constants, typed inputs/outputs with named dynamic axes.
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type NodeProto = onnxProto.onnx.INodeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;

export const DT = onnx.TensorProto.DataType;
export type ElemType = onnxProto.onnx.TensorProto.DataType;
export const MS_DOMAIN = 'com.microsoft';

export type AttrValue = number | string | number[] | { float: number } | { floats: number[] };

/** Bytes of little-endian typed data (every platform Node runs on is little-endian). */
export function bytesOf(a: Float32Array | Uint16Array | Uint8Array | BigInt64Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();
  private counter = 0;

  /** Adds a node; returns its output names (one per `numOutputs`, or the given `outputs`). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, opts: { name?: string; outputs?: string[]; numOutputs?: number; domain?: string } = {}): string[] {
    const name = this.unique(opts.name ?? `/${opType}`);
    const outputs = opts.outputs ?? Array.from({ length: opts.numOutputs ?? 1 }, (_, i) => `${name}_output_${i}`);
    this.nodes.push({ name, opType, input: inputs, output: outputs, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)), domain: opts.domain ?? '' });
    return outputs;
  }

  /** Single-output shorthand. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, opts: { name?: string; output?: string; domain?: string } = {}): string {
    return this.node(opType, inputs, attrs, { name: opts.name, domain: opts.domain, outputs: opts.output ? [opts.output] : undefined })[0];
  }

  initializer(name: string, dataType: ElemType, dims: number[], raw: Uint8Array): string {
    if (this.names.has(name)) throw new Error(`duplicate initializer ${name}`);
    this.names.add(name);
    this.initializers.push({ name, dataType, dims, rawData: raw });
    return name;
  }

  /** A small constant initializer, shared by every node that asks for the same value. */
  constant(dataType: ElemType, dims: number[], raw: Uint8Array, hint = 'const'): string {
    const key = `${dataType}|${dims.join(',')}|${Buffer.from(raw).toString('base64')}`;
    const found = this.constants.get(key);
    if (found) return found;
    const name = this.unique(`/constants/${hint}`);
    this.initializers.push({ name, dataType, dims, rawData: raw });
    this.constants.set(key, name);
    return name;
  }

  i64(values: number[], dims: number[] = [values.length], hint = 'i64'): string {
    return this.constant(DT.INT64, dims, bytesOf(BigInt64Array.from(values.map((v) => BigInt(v)))), hint);
  }

  f32(values: number[], dims: number[] = [values.length], hint = 'f32'): string {
    return this.constant(DT.FLOAT, dims, bytesOf(Float32Array.from(values)), hint);
  }

  input(name: string, elemType: ElemType, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: ElemType, dims: (number | string)[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  model(opts: { graphName: string; opsets: Record<string, number>; producer: string; metadata?: Record<string, string> }): onnxProto.onnx.IModelProto {
    return {
      irVersion: 8,
      producerName: opts.producer,
      producerVersion: '1',
      opsetImport: Object.entries(opts.opsets).map(([domain, version]) => ({ domain, version })),
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: { name: opts.graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
  }

  private unique(base: string): string {
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }
}

function valueInfo(name: string, elemType: ElemType, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function attribute(name: string, v: AttrValue): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: use { float } for non-integers`);
    return { name, type: T.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}
