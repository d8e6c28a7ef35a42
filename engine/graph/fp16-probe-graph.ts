import onnxProto from 'onnx-proto';
import { ELEM_FLOAT, ELEM_FLOAT16, node, valueInfo } from './onnx-model';

const { onnx } = onnxProto;

export const FP16_PROBE_INPUT = 'x';

/**
 * One Cast from float32 to float16: run on WebGPU it compiles an fp16 shader, which fails
 * when the device lacks shader-f16. Where the adapter itself cannot be asked (onnxruntime-node),
 * this is what shows it.
 */
export function buildFp16ProbeGraph(): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: 'fp16_probe',
    node: [node('Cast', [FP16_PROBE_INPUT], ['y'], { to: ELEM_FLOAT16 })],
    input: [valueInfo(FP16_PROBE_INPUT, ELEM_FLOAT, [1])],
    output: [valueInfo('y', ELEM_FLOAT16, [1])],
  });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, producerName: 'ipdialog', opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}
