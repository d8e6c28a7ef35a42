import { IpdError } from '../../common';
import { ELEM_FLOAT16, type IoInfo, type ParsedModel } from './onnx-model';

export interface KvLayerIo {
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
}

/** What a decoder graph takes and gives, discovered from its inputs and outputs. */
export interface DecoderIo {
  inputIds: string;
  attentionMask?: string;
  positionIds?: string;
  /** A num_logits_to_keep-style scalar input, when the export has one. */
  numLogitsToKeep?: string;
  layers: KvLayerIo[];
  kvDtype: 'float32' | 'float16';
  logits: string;
  logitsDtype: 'float32' | 'float16';
  /** Static KV heads and head size read off the past inputs' shapes, when they are static. */
  kvHeads?: number;
  headDim?: number;
  /** The export runs attention through com.microsoft GroupQueryAttention (right-padded KV). */
  groupQueryAttention: boolean;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;
const PRESENT = /^present\.(\d+)\.(key|value)$/;

export function inspectDecoder(model: ParsedModel, source: string): DecoderIo {
  const inputs = new Map(model.inputs.map((i) => [i.name, i]));
  const outputs = new Map(model.outputs.map((o) => [o.name, o]));
  const problem = (msg: string, hint?: string) =>
    new IpdError('MODEL_INVALID', `${source}: ${msg}`, { file: source, hint: hint ?? 'expected a decoder-only export with input_ids, attention_mask, past_key_values.N.key/value -> logits, present.N.key/value' });
  if (!inputs.has('input_ids')) throw problem('the graph has no input_ids input');
  if (!outputs.has('logits')) throw problem('the graph has no logits output');

  const layers: KvLayerIo[] = [];
  for (const i of model.inputs) {
    const m = PAST.exec(i.name);
    if (!m) continue;
    const n = Number(m[1]);
    layers[n] ??= { pastKey: '', pastValue: '', presentKey: '', presentValue: '' };
    if (m[2] === 'key') layers[n].pastKey = i.name;
    else layers[n].pastValue = i.name;
  }
  for (const o of model.outputs) {
    const m = PRESENT.exec(o.name);
    if (!m) continue;
    const n = Number(m[1]);
    if (!layers[n]) throw problem(`output ${o.name} has no matching past_key_values.${n} input`);
    if (m[2] === 'key') layers[n].presentKey = o.name;
    else layers[n].presentValue = o.name;
  }
  if (layers.length === 0) throw problem('the graph has no past_key_values inputs (an export without KV cache cannot be served)', 'export with use_cache / "text-generation-with-past"');
  layers.forEach((l, idx) => {
    if (!l || !l.pastKey || !l.pastValue || !l.presentKey || !l.presentValue) throw problem(`layer ${idx} lacks one of past_key_values.${idx}.key/value or present.${idx}.key/value`);
  });

  const known = new Set(['input_ids', 'attention_mask', 'position_ids', ...layers.flatMap((l) => [l.pastKey, l.pastValue])]);
  const numLogitsToKeep = model.inputs.find((i) => /^num_logits_to_keep$|^logits_to_keep$/.test(i.name))?.name;
  if (numLogitsToKeep) known.add(numLogitsToKeep);
  const unknown = model.inputs.filter((i) => !known.has(i.name));
  if (unknown.length) throw problem(`the graph needs inputs this engine does not know how to fill: ${unknown.map((u) => u.name).join(', ')}`);

  const past0: IoInfo = inputs.get(layers[0].pastKey)!;
  const staticDim = (d: number | string | undefined) => (typeof d === 'number' ? d : undefined);
  return {
    inputIds: 'input_ids',
    attentionMask: inputs.has('attention_mask') ? 'attention_mask' : undefined,
    positionIds: inputs.has('position_ids') ? 'position_ids' : undefined,
    numLogitsToKeep,
    layers,
    kvDtype: past0.elemType === ELEM_FLOAT16 ? 'float16' : 'float32',
    logits: 'logits',
    logitsDtype: outputs.get('logits')!.elemType === ELEM_FLOAT16 ? 'float16' : 'float32',
    kvHeads: staticDim(past0.dims[1]),
    headDim: staticDim(past0.dims[3]),
    groupQueryAttention: model.nodes.some((n) => n.opType === 'GroupQueryAttention'),
  };
}
