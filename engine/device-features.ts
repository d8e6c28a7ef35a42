import { IpdError } from '../common';
import type { Dtype } from '../models';
import type { DecoderIo } from './graph/decoder-io';

/** The WebGPU feature without which no shader computes in fp16 (SwiftShader and some older GPUs lack it). */
export const SHADER_F16 = 'shader-f16';

/** fp16 and q4f16 exports compute in fp16; the other dtypes store weights their own way but compute in fp32. */
const FP16_DTYPES: ReadonlySet<Dtype> = new Set(['fp16', 'q4f16']);

/** Whether a graph computes in fp16 (its KV cache or logits are fp16), as read off the graph. */
export function graphComputesInFp16(io: Pick<DecoderIo, 'kvDtype' | 'logitsDtype'>): boolean {
  return io.kvDtype === 'float16' || io.logitsDtype === 'float16';
}

/** The same, known from the file's dtype before the graph is read. */
export function dtypeComputesInFp16(dtype: Dtype): boolean {
  return FP16_DTYPES.has(dtype);
}

/**
 * Said before any session loads: without shader-f16, onnxruntime's WebGPU provider would load
 * the whole model and fail on the first step ("Program Cast requires f16 but the device does
 * not support it").
 */
export function shaderF16Missing(model: string, adapter: string | undefined, hint: string): IpdError {
  return new IpdError('DEVICE_UNAVAILABLE', `${model} computes in fp16, but the WebGPU adapter${adapter ? ` (${adapter})` : ''} lacks the "${SHADER_F16}" feature fp16 shaders need`, {
    file: model,
    hint,
  });
}
