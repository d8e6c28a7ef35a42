import { IpdError } from '../common';

/** Weight formats, named as transformers.js names them, and their ONNX file suffixes. */
export const DTYPE_SUFFIX = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;
export type Dtype = keyof typeof DTYPE_SUFFIX;
export const DTYPES = Object.keys(DTYPE_SUFFIX) as Dtype[];

/** Preference order when the user says `auto`: full precision first on CPU. */
export const AUTO_DTYPE_ORDER: readonly Dtype[] = ['fp32', 'fp16', 'q8', 'q4', 'q4f16', 'int8', 'uint8', 'bnb4'];

export function isDtype(v: string): v is Dtype {
  return Object.prototype.hasOwnProperty.call(DTYPE_SUFFIX, v);
}

export function parseDtype(v: string): Dtype | 'auto' {
  if (v === 'auto' || isDtype(v)) return v;
  throw new IpdError('USAGE', `unknown dtype "${v}"`, { hint: `use auto or one of ${DTYPES.join(', ')}` });
}

/** `onnx/model_q4.onnx` for (model, q4). */
export function onnxFileName(dtype: Dtype, baseName = 'model'): string {
  return `onnx/${baseName}${DTYPE_SUFFIX[dtype]}.onnx`;
}

/** External-data file names an export may ship beside `file`: file_data, file_data_1, ... */
export function externalDataCandidates(file: string, max = 16): string[] {
  return [`${file}_data`, ...Array.from({ length: max - 1 }, (_, i) => `${file}_data_${i + 1}`)];
}
