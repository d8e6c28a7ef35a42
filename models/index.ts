// Browser-safe public entry of models/: config parsing, dtype naming, the tokenizer surface.
// Folder and hub resolution live in ./node.ts.
export { parseModelConfig } from './config';
export type { ModelConfig } from './config';
export { DTYPES, DTYPE_SUFFIX, AUTO_DTYPE_ORDER, isDtype, parseDtype, onnxFileName, externalDataCandidates } from './dtype';
export type { Dtype } from './dtype';
export { wrapTokenizer, loadTokenizer } from './tokenizer';
export type { TextTokenizer, ChatMessage } from './tokenizer';
