// The tiny-model factory (Node only: it writes files): random-weight Llama/Qwen2-architecture
// decoders in the transformers.js folder layout, and a reference forward pass to check them.
export { createTinyModel } from './create';
export type { TinyModel } from './create';
export { TINY_DTYPES, TINY_PRESETS, TINY_PRESET_NAMES, onnxBaseName, resolveTinyModelOptions, tinyModelName, tinyParameterCount } from './options';
export type { ResolvedTinyModelOptions, TinyArchitecture, TinyAttention, TinyDtype, TinyFamily, TinyModelOptions, TinyPresetName } from './options';
export { architectureFromConfig, readTinyWeights } from './read-weights';
export { positionIdsFromMask, referenceForward } from './reference';
export type { ReferenceInput, ReferenceOutput } from './reference';
export type { TinyWeights, WeightTensor } from './weights';
