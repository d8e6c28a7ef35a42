import { IpdError } from '../common';

/** What the engine needs from a model's config.json + generation_config.json, in camelCase. */
export interface ModelConfig {
  modelType: string;
  numLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  hiddenSize: number;
  vocabSize: number;
  maxPositionEmbeddings?: number;
  bosTokenId?: number;
  /** Every id that ends generation (config.json and generation_config.json merged). */
  eosTokenIds: number[];
  padTokenId?: number;
}

type Json = Record<string, unknown>;

function num(obj: Json, key: string): number | undefined {
  const v = obj[key];
  return typeof v === 'number' ? v : undefined;
}

function ids(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

/**
 * Reads HF config.json (and optionally generation_config.json) into a ModelConfig.
 * Multimodal/nested configs keep the decoder under `text_config`.
 */
export function parseModelConfig(configJson: Json, generationConfigJson: Json = {}, source = 'config.json'): ModelConfig {
  const cfg = (configJson.text_config && typeof configJson.text_config === 'object' ? { ...configJson, ...(configJson.text_config as Json) } : configJson) as Json;
  const need = (key: string, ...alts: string[]): number => {
    for (const k of [key, ...alts]) {
      const v = num(cfg, k);
      if (v !== undefined) return v;
    }
    throw new IpdError('MODEL_INVALID', `${source} has no numeric "${key}"`, { file: source, field: key, hint: 'is this a decoder-only transformers config?' });
  };
  const numAttentionHeads = need('num_attention_heads', 'n_head', 'num_heads');
  const hiddenSize = need('hidden_size', 'n_embd', 'd_model');
  const headDim = num(cfg, 'head_dim') ?? Math.floor(hiddenSize / numAttentionHeads);
  const eos = [...new Set([...ids(generationConfigJson.eos_token_id), ...ids(cfg.eos_token_id)])];
  const pad = num(generationConfigJson, 'pad_token_id') ?? num(cfg, 'pad_token_id');
  return {
    modelType: typeof cfg.model_type === 'string' ? cfg.model_type : 'unknown',
    numLayers: need('num_hidden_layers', 'n_layer', 'num_layers'),
    numAttentionHeads,
    numKeyValueHeads: num(cfg, 'num_key_value_heads') ?? numAttentionHeads,
    headDim,
    hiddenSize,
    vocabSize: need('vocab_size'),
    maxPositionEmbeddings: num(cfg, 'max_position_embeddings'),
    bosTokenId: num(generationConfigJson, 'bos_token_id') ?? num(cfg, 'bos_token_id'),
    eosTokenIds: eos,
    padTokenId: pad,
  };
}
