import onnxProto from 'onnx-proto';
import { ELEM_FLOAT, ELEM_FLOAT16, ELEM_INT64, int64Initializer, node, valueInfo } from './onnx-model';

const { onnx } = onnxProto;

/** Input and output names of the KV row graph; `side` is 'a' (the running batch) or 'b' (new rows). */
export const kvRowsNames = {
  tensor: (side: 'a' | 'b', layer: number, kind: 'k' | 'v') => `${side}_${kind}${layer}`,
  rows: (side: 'a' | 'b') => `${side}_rows`,
  start: (side: 'a' | 'b') => `${side}_start`,
  end: (side: 'a' | 'b') => `${side}_end`,
  pads: (side: 'a' | 'b') => `${side}_pads`,
  output: (layer: number, kind: 'k' | 'v') => `out_${kind}${layer}`,
};

/**
 * A small graph that rearranges a device-resident KV cache without it leaving the device.
 * Per layer and for K and V, each side [rows, kv, seq, hd] is cut to the rows it keeps
 * (Gather, which can also repeat a row), to the last positions it keeps (Slice on the seq
 * axis: the trim as requests leave) and padded to the common length (Pad, on the side the
 * batch aligns its rows to: left, or right for GroupQueryAttention); with two
 * sides the results are stacked (Concat on rows): the running batch plus joining requests.
 * Row indices, bounds and pads are inputs, so one session serves every step.
 */
export function buildKvRowsGraph(numLayers: number, dtype: 'float32' | 'float16', sides: 1 | 2): Uint8Array {
  const elem = dtype === 'float16' ? ELEM_FLOAT16 : ELEM_FLOAT;
  const names = kvRowsNames;
  const nodes = [];
  const inputs = [];
  const outputs = [];
  const used: Array<'a' | 'b'> = sides === 2 ? ['a', 'b'] : ['a'];
  for (const s of used) {
    inputs.push(valueInfo(names.rows(s), ELEM_INT64, [`${s}_kept`]));
    inputs.push(valueInfo(names.start(s), ELEM_INT64, [1]));
    inputs.push(valueInfo(names.end(s), ELEM_INT64, [1]));
    inputs.push(valueInfo(names.pads(s), ELEM_INT64, [8]));
  }
  for (let l = 0; l < numLayers; l++) {
    for (const kind of ['k', 'v'] as const) {
      const parts: string[] = [];
      for (const s of used) {
        const x = names.tensor(s, l, kind);
        inputs.push(valueInfo(x, elem, [`${s}_batch`, 'kv_heads', `${s}_seq`, 'head_dim']));
        const rows = `${x}_rows`;
        const cut = `${x}_cut`;
        const aligned = `${x}_aligned`;
        nodes.push(node('Gather', [x, names.rows(s)], [rows], { axis: 0 }));
        nodes.push(node('Slice', [rows, names.start(s), names.end(s), 'seq_axis'], [cut]));
        nodes.push(node('Pad', [cut, names.pads(s)], [aligned]));
        parts.push(aligned);
      }
      const out = names.output(l, kind);
      if (parts.length === 1) nodes.push(node('Identity', parts, [out]));
      else nodes.push(node('Concat', parts, [out], { axis: 0 }));
      outputs.push(valueInfo(out, elem, ['batch', 'kv_heads', 'seq', 'head_dim']));
    }
  }
  const graph = onnx.GraphProto.create({
    name: 'kv_rows',
    node: nodes,
    input: inputs,
    output: outputs,
    initializer: [int64Initializer('seq_axis', [2])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'ipdialog',
    opsetImport: [{ domain: '', version: 17 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
