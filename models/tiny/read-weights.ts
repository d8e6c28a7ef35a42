// Reads a tiny model's weights back out of its ONNX file (external data, fp16 and 4-bit included)
// into HF layout, so the reference forward pass checks the bytes actually written.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { onnx, DT, type TensorProto } from './onnx-builder';
import { fromHalfArray } from './half';
import { dequantizeQ4 } from './q4';
import { matmulWeightName, q4ScalesName, q4WeightName, transpose } from './graph-context';
import { onnxBaseName, type TinyArchitecture, type TinyDtype } from './options';
import { allLinears, type TinyWeights } from './weights';

/** HF config.json -> architecture (the fields hfConfig writes). */
export function architectureFromConfig(config: Record<string, unknown>): TinyArchitecture {
  const num = (k: string) => {
    const v = config[k];
    if (typeof v !== 'number') throw new Error(`config.json: ${k} missing`);
    return v;
  };
  return {
    numLayers: num('num_hidden_layers'),
    hiddenSize: num('hidden_size'),
    intermediateSize: num('intermediate_size'),
    numHeads: num('num_attention_heads'),
    numKvHeads: num('num_key_value_heads'),
    headDim: num('head_dim'),
    vocabSize: num('vocab_size'),
    maxPositionEmbeddings: num('max_position_embeddings'),
    rmsNormEps: num('rms_norm_eps'),
    ropeTheta: num('rope_theta'),
    tieWordEmbeddings: config.tie_word_embeddings === true,
    attentionBias: config.attention_bias === true,
  };
}

/**
 * The float32 weights a graph computes with: fp16 values widened, 4-bit weights dequantized.
 * A tied head multiplies by the embedding in every dtype (q4 files keep it float, as the
 * hub's do); files written before that carry a quantized `lm_head` of their own, read here too.
 */
export async function readTinyWeights(dir: string, dtype: TinyDtype = 'fp32'): Promise<{ architecture: TinyArchitecture; weights: TinyWeights }> {
  const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const arch = architectureFromConfig(config);
  const file = path.join(dir, 'onnx', onnxBaseName(dtype));
  const model = onnx.ModelProto.decode(await readFile(file));
  const external = new Map<string, Buffer>();
  const tensors = new Map<string, Float32Array | Uint8Array>();
  for (const t of model.graph?.initializer ?? []) if (t.name) tensors.set(t.name, await tensorValues(t, path.dirname(file), external));

  const get = (name: string) => {
    const v = tensors.get(name);
    if (!v) throw new Error(`${file}: initializer ${name} missing`);
    return v;
  };
  const float = (name: string) => get(name) as Float32Array;
  const weights: TinyWeights = new Map();
  const H = arch.hiddenSize;
  weights.set('model.embed_tokens.weight', { dims: [arch.vocabSize, H], data: float('model.embed_tokens.weight') });
  for (let i = 0; i < arch.numLayers; i++) {
    for (const n of ['input_layernorm', 'post_attention_layernorm']) weights.set(`model.layers.${i}.${n}.weight`, { dims: [H], data: float(`model.layers.${i}.${n}.weight`) });
  }
  weights.set('model.norm.weight', { dims: [H], data: float('model.norm.weight') });
  const linears = allLinears(arch);
  if (arch.tieWordEmbeddings && tensors.has(q4WeightName('lm_head'))) linears.push({ name: 'lm_head', inFeatures: H, outFeatures: arch.vocabSize, bias: false });
  for (const l of linears) {
    const [n, k] = [l.outFeatures, l.inFeatures];
    const data = tensors.has(q4WeightName(l.name))
      ? dequantizeQ4({ n, k, packed: get(q4WeightName(l.name)) as Uint8Array, scales: float(q4ScalesName(l.name)) })
      : transpose(float(matmulWeightName(l.name)), k, n);
    weights.set(`${l.name}.weight`, { dims: [n, k], data });
    if (l.bias) weights.set(`${l.name}.bias`, { dims: [n], data: float(`${l.name}.bias`) });
  }
  return { architecture: arch, weights };
}

async function tensorValues(t: TensorProto, dir: string, external: Map<string, Buffer>): Promise<Float32Array | Uint8Array> {
  let raw: Uint8Array;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const field = (k: string) => t.externalData?.find((e) => e.key === k)?.value ?? undefined;
    const location = field('location');
    if (!location) throw new Error(`initializer ${t.name}: external data without a location`);
    let data = external.get(location);
    if (!data) external.set(location, (data = await readFile(path.join(dir, location))));
    const offset = Number(field('offset') ?? 0);
    raw = data.subarray(offset, offset + Number(field('length') ?? data.byteLength - offset));
  } else {
    raw = t.rawData ?? new Uint8Array(0);
  }
  const copy = new Uint8Array(raw); // an aligned, owned copy (Buffer#slice would be a view)
  switch (t.dataType) {
    case DT.FLOAT:
      return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
    case DT.FLOAT16:
      return fromHalfArray(new Uint16Array(copy.buffer, 0, copy.byteLength / 2));
    default:
      return copy;
  }
}
