// Bytes of weights a decode step reads per token: every matrix a MatMul-like node multiplies
// by (directly, or through a Transpose as tied LM heads are exported), never the embedding
// table (a step gathers one row of it). With a measured streaming rate this bounds batch-1
// decode: tokens/s <= rate / bytes.
import { readFile } from 'node:fs/promises';
import { decodeInitializer, parseModel } from '../../../engine';

const PRODUCTS = new Set(['MatMul', 'MatMulNBits', 'Gemm', 'FusedMatMul', 'MatMulInteger', 'MatMulIntegerToFloat', 'DynamicQuantizeMatMul']);
const ELEM_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 10: 2, 16: 2, 6: 4, 7: 8, 11: 8 };

export async function weightBytesPerToken(onnxPath: string): Promise<number> {
  const model = parseModel(await readFile(onnxPath));
  const producers = new Map<string, (typeof model.nodes)[number]>();
  for (const n of model.nodes) for (const o of n.output) producers.set(o, n);
  const counted = new Set<string>();
  const size = (name: string): number => {
    const t = decodeInitializer(model, name);
    if (!t) return 0;
    const external = t.externalData?.find((e) => e.key === 'length')?.value;
    if (external) return Number(external);
    if (t.rawData?.length) return t.rawData.length;
    return t.dims.reduce((n, d) => n * Number(d), 1) * (ELEM_BYTES[t.dataType] ?? 4);
  };
  let total = 0;
  for (const n of model.nodes) {
    if (!PRODUCTS.has(n.opType)) continue;
    for (const input of n.input.slice(1)) {
      const source = model.initializerNames.has(input) ? input : producers.get(input)?.opType === 'Transpose' ? producers.get(input)!.input[0] : undefined;
      if (!source || counted.has(source) || !model.initializerNames.has(source)) continue;
      counted.add(source);
      total += size(source);
    }
  }
  return total;
}
