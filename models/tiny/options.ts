// What a tiny model is made of: the presets, the variant options, and their resolution.
import { IpdError } from '../../common';
import { onnxFileName } from '../dtype';

export type TinyPresetName = 'test' | 'bench' | 'qwen2.5-0.5b';
/** File-name conventions of transformers.js: fp32 -> model.onnx, fp16 -> model_fp16.onnx, ... */
export type TinyDtype = 'fp32' | 'fp16' | 'q4' | 'q4f16';
/** `llama`: Llama-3.1 tokenizer, model_type llama. `qwen2`: Qwen2.5 tokenizer and chat template, q/k/v biases, several EOS ids. */
export type TinyFamily = 'llama' | 'qwen2';
/** `standard`: plain ONNX ops. `gqa`: com.microsoft GroupQueryAttention, as onnxruntime-genai exports. */
export type TinyAttention = 'standard' | 'gqa';

export const TINY_DTYPES: readonly TinyDtype[] = ['fp32', 'fp16', 'q4', 'q4f16'];
export const TINY_PRESET_NAMES: readonly TinyPresetName[] = ['test', 'bench', 'qwen2.5-0.5b'];

/** The shape of the network (HF config.json field meanings, camelCase here). */
export interface TinyArchitecture {
  numLayers: number;
  hiddenSize: number;
  intermediateSize: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  maxPositionEmbeddings: number;
  rmsNormEps: number;
  ropeTheta: number;
  tieWordEmbeddings: boolean;
  /** q/k/v projections carry biases (Qwen2). */
  attentionBias: boolean;
}

export interface TinyModelOptions {
  preset?: TinyPresetName;
  /** Weights are a pure function of (seed, tensor name): same seed -> byte-identical files. */
  seed?: number;
  /** One ONNX file per dtype, all from the same weights. Default ['fp32']. */
  dtypes?: TinyDtype[];
  family?: TinyFamily;
  attention?: TinyAttention;
  /** false: no position_ids input; positions come from attention_mask (cumsum - 1) inside the graph. */
  positionIds?: boolean;
  /** Adds the int64 scalar input `num_logits_to_keep` (0 = all positions, N = the last N). */
  numLogitsToKeep?: boolean;
  /** Initializers in `onnx/<file>.onnx_data` with ONNX external-data location fields. */
  externalData?: boolean;
  /** Overrides of the preset's architecture (tests of odd shapes). */
  architecture?: Partial<TinyArchitecture>;
}

export interface ResolvedTinyModelOptions {
  preset: TinyPresetName;
  seed: number;
  dtypes: TinyDtype[];
  family: TinyFamily;
  attention: TinyAttention;
  positionIds: boolean;
  numLogitsToKeep: boolean;
  externalData: boolean;
  architecture: TinyArchitecture;
}

const LLAMA3_VOCAB = 128256;
// Qwen2.5 tokenizer: 151643 BPE tokens + 22 added tokens (ids up to 151664).
const QWEN_TOKENIZER_VOCAB = 151665;

/** A preset's network, and the family (tokenizer, config layout) it implies unless one is asked for. */
export interface TinyPreset extends TinyArchitecture {
  family?: TinyFamily;
}

export const TINY_PRESETS: Readonly<Record<TinyPresetName, TinyPreset>> = {
  // Fast: the real Llama-3.1 vocabulary makes the embedding most of its 16M parameters.
  test: {
    numLayers: 2,
    hiddenSize: 64,
    intermediateSize: 192,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 16,
    vocabSize: LLAMA3_VOCAB,
    maxPositionEmbeddings: 8192,
    rmsNormEps: 1e-5,
    ropeTheta: 500000,
    // Untied here and tied in `bench`, so both LM-head layouts are exercised.
    tieWordEmbeddings: false,
    attentionBias: false,
  },
  // The compute profile of a small real model: ~174M parameters, tied embeddings.
  bench: {
    numLayers: 12,
    hiddenSize: 768,
    intermediateSize: 2048,
    numHeads: 12,
    numKvHeads: 4,
    headDim: 64,
    vocabSize: LLAMA3_VOCAB,
    maxPositionEmbeddings: 8192,
    rmsNormEps: 1e-5,
    ropeTheta: 500000,
    tieWordEmbeddings: true,
    attentionBias: false,
  },
  // The shape of Qwen2.5-0.5B-Instruct (its config.json): 24 layers, 14 query / 2 KV heads,
  // tied 151,936-row embedding (about 27% of the weights), q/k/v biases. The CPU benchmark
  // may run fewer layers (`numLayers` override); GPU runs and users take the full depth.
  'qwen2.5-0.5b': {
    family: 'qwen2',
    numLayers: 24,
    hiddenSize: 896,
    intermediateSize: 4864,
    numHeads: 14,
    numKvHeads: 2,
    headDim: 64,
    vocabSize: 151936,
    maxPositionEmbeddings: 32768,
    rmsNormEps: 1e-6,
    ropeTheta: 1000000,
    tieWordEmbeddings: true,
    attentionBias: true,
  },
};

export function resolveTinyModelOptions(opts: TinyModelOptions = {}): ResolvedTinyModelOptions {
  const preset = opts.preset ?? 'test';
  if (!TINY_PRESETS[preset]) throw new IpdError('USAGE', `unknown tiny-model preset "${preset}" (expected ${TINY_PRESET_NAMES.join(' | ')})`);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new IpdError('USAGE', `tiny-model seed must be an integer in [0, 2^32) (got ${seed})`);
  const dtypes: string[] = [...new Set(opts.dtypes ?? ['fp32'])];
  if (dtypes.length === 0) throw new IpdError('USAGE', 'tiny-model needs at least one dtype');
  for (const d of dtypes) if (!TINY_DTYPES.includes(d as TinyDtype)) throw new IpdError('USAGE', `unknown dtype "${d}" (expected ${TINY_DTYPES.join(', ')})`);
  const { family: presetFamily, ...presetArch } = TINY_PRESETS[preset];
  const family = opts.family ?? presetFamily ?? 'llama';
  if (family !== 'llama' && family !== 'qwen2') throw new IpdError('USAGE', `unknown family "${family}" (expected llama | qwen2)`);
  const attention = opts.attention ?? 'standard';
  if (attention !== 'standard' && attention !== 'gqa') throw new IpdError('USAGE', `unknown attention "${attention}" (expected standard | gqa)`);

  // A preset made for a family already has that family's shape; others take its traits.
  const familyArch: Partial<TinyArchitecture> =
    family === 'qwen2' && presetFamily !== 'qwen2' ? { vocabSize: QWEN_TOKENIZER_VOCAB, attentionBias: true, ropeTheta: 1000000, rmsNormEps: 1e-6 } : {};
  const architecture: TinyArchitecture = { ...presetArch, ...familyArch, ...opts.architecture };
  checkArchitecture(architecture);
  return {
    preset,
    seed,
    dtypes: TINY_DTYPES.filter((d) => dtypes.includes(d)),
    family,
    attention,
    positionIds: opts.positionIds ?? true,
    numLogitsToKeep: opts.numLogitsToKeep ?? false,
    externalData: opts.externalData ?? false,
    architecture,
  };
}

function checkArchitecture(a: TinyArchitecture): void {
  const bad = (msg: string) => new IpdError('USAGE', `tiny-model architecture: ${msg}`);
  for (const k of ['numLayers', 'hiddenSize', 'intermediateSize', 'numHeads', 'numKvHeads', 'headDim', 'vocabSize', 'maxPositionEmbeddings'] as const) {
    if (!Number.isInteger(a[k]) || a[k] < 1) throw bad(`${k} must be a positive integer`);
  }
  if (a.numHeads % a.numKvHeads !== 0) throw bad('numHeads must be a multiple of numKvHeads');
  if (a.headDim % 2 !== 0) throw bad('headDim must be even (rotary halves)');
  // MatMulNBits packs K in blocks of 32; every K (hidden, intermediate, heads*headDim) must fill whole blocks.
  for (const k of [a.hiddenSize, a.intermediateSize, a.numHeads * a.headDim]) if (k % 32 !== 0) throw bad(`${k} is not a multiple of the q4 block size 32`);
}

/**
 * A folder name that encodes every option, so caches keyed by it never mix variants:
 * e.g. `tiny-test-s0-llama-fp32` or `tiny-test-s0-qwen2-fp16+q4-gqa-nopos-keep-ext`.
 */
export function tinyModelName(opts: TinyModelOptions = {}): string {
  const r = resolveTinyModelOptions(opts);
  const parts = ['tiny', r.preset, `s${r.seed}`, r.family, r.dtypes.join('+')];
  if (r.attention === 'gqa') parts.push('gqa');
  if (!r.positionIds) parts.push('nopos');
  if (r.numLogitsToKeep) parts.push('keep');
  if (r.externalData) parts.push('ext');
  if (opts.architecture && Object.keys(opts.architecture).length > 0) parts.push(`a${shortHash(JSON.stringify(r.architecture))}`);
  return parts.join('-');
}

function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** transformers.js suffix per dtype (utils/dtypes.js DEFAULT_DTYPE_SUFFIX_MAPPING). */
/** The graph's file name inside `onnx/`: the hub's name for that dtype (`onnxFileName` in models/dtype.ts) without the folder. */
export function onnxBaseName(dtype: TinyDtype): string {
  return onnxFileName(dtype).split('/').pop()!;
}

/** Parameters of the architecture (a tied LM head counted once, as HF's num_parameters does). */
export function tinyParameterCount(a: TinyArchitecture): number {
  const q = a.numHeads * a.headDim;
  const kv = a.numKvHeads * a.headDim;
  const bias = a.attentionBias ? q + 2 * kv : 0;
  const layer = a.hiddenSize * (q + 2 * kv) + q * a.hiddenSize + 3 * a.hiddenSize * a.intermediateSize + 2 * a.hiddenSize + bias;
  const embed = a.vocabSize * a.hiddenSize;
  return embed + a.numLayers * layer + a.hiddenSize + (a.tieWordEmbeddings ? 0 : embed);
}
