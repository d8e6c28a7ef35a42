// The random weights of a tiny model, named and laid out as in HF transformers' state dict
// (linear weights [out_features, in_features]), independent of how a graph stores them.
import type { TinyArchitecture } from './options';
import { uniformTensor } from './rng';

export interface WeightTensor {
  dims: number[];
  data: Float32Array;
}

/** HF state-dict names -> tensors. `lm_head.weight` is absent when embeddings are tied. */
export type TinyWeights = Map<string, WeightTensor>;

export interface LinearSpec {
  /** HF module path, e.g. `model.layers.0.self_attn.q_proj` */
  name: string;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

/** The linear layers of one decoder layer, in graph order. */
export function layerLinears(arch: TinyArchitecture, layer: number): LinearSpec[] {
  const p = `model.layers.${layer}`;
  const H = arch.hiddenSize;
  const q = arch.numHeads * arch.headDim;
  const kv = arch.numKvHeads * arch.headDim;
  const b = arch.attentionBias;
  return [
    { name: `${p}.self_attn.q_proj`, inFeatures: H, outFeatures: q, bias: b },
    { name: `${p}.self_attn.k_proj`, inFeatures: H, outFeatures: kv, bias: b },
    { name: `${p}.self_attn.v_proj`, inFeatures: H, outFeatures: kv, bias: b },
    { name: `${p}.self_attn.o_proj`, inFeatures: q, outFeatures: H, bias: false },
    { name: `${p}.mlp.gate_proj`, inFeatures: H, outFeatures: arch.intermediateSize, bias: false },
    { name: `${p}.mlp.up_proj`, inFeatures: H, outFeatures: arch.intermediateSize, bias: false },
    { name: `${p}.mlp.down_proj`, inFeatures: arch.intermediateSize, outFeatures: H, bias: false },
  ];
}

/** Every linear layer of the model, the LM head last (absent when tied: the embedding serves). */
export function allLinears(arch: TinyArchitecture): LinearSpec[] {
  const out: LinearSpec[] = [];
  for (let i = 0; i < arch.numLayers; i++) out.push(...layerLinears(arch, i));
  if (!arch.tieWordEmbeddings) out.push({ name: 'lm_head', inFeatures: arch.hiddenSize, outFeatures: arch.vocabSize, bias: false });
  return out;
}

// Scales chosen so that greedy decoding stays varied: linear layers at gain/sqrt(fan_in) keep
// activations O(1), so each layer's output outweighs the small embedding in the residual stream
// and the next token depends on the context, not just on the last token (which, with tied
// embeddings, would otherwise win its own logit and repeat). At gain 1 the 12-layer bench
// preset still fell into one-token loops on some prompts; 1.5 made its continuations varied.
const LINEAR_GAIN = 1.5;
const EMBED_STD = 0.02;
const LM_HEAD_STD = 0.02;
const NORM_STD = 0.1;
const BIAS_STD = 0.1;

export function createTinyWeights(arch: TinyArchitecture, seed: number): TinyWeights {
  const w: TinyWeights = new Map();
  const add = (name: string, dims: number[], std: number, mean = 0) => {
    w.set(name, { dims, data: uniformTensor(seed, name, dims.reduce((a, b) => a * b, 1), std, mean) });
  };
  const H = arch.hiddenSize;
  add('model.embed_tokens.weight', [arch.vocabSize, H], EMBED_STD);
  for (let i = 0; i < arch.numLayers; i++) {
    add(`model.layers.${i}.input_layernorm.weight`, [H], NORM_STD, 1);
    add(`model.layers.${i}.post_attention_layernorm.weight`, [H], NORM_STD, 1);
    for (const l of layerLinears(arch, i)) {
      add(`${l.name}.weight`, [l.outFeatures, l.inFeatures], LINEAR_GAIN / Math.sqrt(l.inFeatures));
      if (l.bias) add(`${l.name}.bias`, [l.outFeatures], BIAS_STD);
    }
  }
  add('model.norm.weight', [H], NORM_STD, 1);
  if (!arch.tieWordEmbeddings) add('lm_head.weight', [arch.vocabSize, H], LM_HEAD_STD);
  return w;
}
