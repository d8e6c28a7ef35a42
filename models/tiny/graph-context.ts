// Shared state while one decoder graph is built: the builder, the activation dtype, and how the
// dtype stores weights (fp32/fp16 MatMul, or 4-bit MatMulNBits as q4 exports do).
import { DT, GraphBuilder, MS_DOMAIN, bytesOf, type ElemType } from './onnx-builder';
import { toHalfArray } from './half';
import { Q4_BLOCK_SIZE, quantizeQ4, type Q4Weight } from './q4';
import type { TinyArchitecture, TinyDtype } from './options';
import type { LinearSpec, TinyWeights, WeightTensor } from './weights';

/** Initializer names the reader (read-weights.ts) relies on. */
export const matmulWeightName = (linear: string) => `${linear}.MatMul.weight`; // [in, out]
export const q4WeightName = (linear: string) => `${linear}.MatMul.weight_Q4`; // uint8 [N, K/32, 16]
export const q4ScalesName = (linear: string) => `${linear}.MatMul.weight_scales`; // [N, K/32]

// q4 and q4f16 files quantize the same weights: do it once per weight array.
const q4Cache = new WeakMap<Float32Array, Q4Weight>();

function quantizeOnce(w: Float32Array, n: number, k: number): Q4Weight {
  let q = q4Cache.get(w);
  if (!q) q4Cache.set(w, (q = quantizeQ4(w, n, k)));
  return q;
}

export class GraphContext {
  readonly g = new GraphBuilder();
  /** element type of activations, weights, KV cache and logits */
  readonly T: ElemType;
  readonly half: boolean;
  readonly quantized: boolean;
  usesMsDomain = false;

  constructor(
    readonly arch: TinyArchitecture,
    readonly dtype: TinyDtype,
    readonly weights: TinyWeights,
  ) {
    this.half = dtype === 'fp16' || dtype === 'q4f16';
    this.quantized = dtype === 'q4' || dtype === 'q4f16';
    this.T = this.half ? DT.FLOAT16 : DT.FLOAT;
  }

  weight(name: string): WeightTensor {
    const t = this.weights.get(name);
    if (!t) throw new Error(`tiny model: weight ${name} missing`);
    return t;
  }

  /** A float initializer stored in the activation dtype. */
  floatInitializer(name: string, dims: number[], data: Float32Array): string {
    return this.g.initializer(name, this.T, dims, this.half ? bytesOf(toHalfArray(data)) : bytesOf(data));
  }

  /** A scalar constant in the activation dtype. */
  scalarT(value: number, hint: string): string {
    return this.half ? this.g.constant(DT.FLOAT16, [], bytesOf(toHalfArray(Float32Array.of(value))), hint) : this.g.f32([value], [], hint);
  }

  toFloat(x: string): string {
    return this.half ? this.g.op('Cast', [x], { to: DT.FLOAT }) : x;
  }

  fromFloat(x: string): string {
    return this.half ? this.g.op('Cast', [x], { to: DT.FLOAT16 }) : x;
  }

  /**
   * x @ W^T (+ b) for an HF linear layer; `output` names the result (a graph output such as `logits`).
   */
  linear(x: string, spec: LinearSpec, opts: { output?: string } = {}): string {
    const w = this.weight(`${spec.name}.weight`);
    const out = spec.bias ? undefined : opts.output;
    const n = spec.outFeatures;
    const k = spec.inFeatures;
    let y: string;
    if (this.quantized) {
      const q = quantizeOnce(w.data, n, k);
      const B = this.g.initializer(q4WeightName(spec.name), DT.UINT8, [n, k / Q4_BLOCK_SIZE, Q4_BLOCK_SIZE / 2], q.packed);
      const scales = this.floatInitializer(q4ScalesName(spec.name), [n, k / Q4_BLOCK_SIZE], q.scales);
      this.usesMsDomain = true;
      y = this.g.op('MatMulNBits', [x, B, scales], { K: k, N: n, bits: 4, block_size: Q4_BLOCK_SIZE }, { name: `/${spec.name}/MatMulNBits`, domain: MS_DOMAIN, output: out });
    } else {
      const W = this.floatInitializer(matmulWeightName(spec.name), [k, n], transpose(w.data, n, k));
      y = this.g.op('MatMul', [x, W], {}, { name: `/${spec.name}/MatMul`, output: out });
    }
    if (spec.bias) y = this.g.op('Add', [y, this.floatInitializer(`${spec.name}.bias`, [n], this.weight(`${spec.name}.bias`).data)], {}, { name: `/${spec.name}/Add`, output: opts.output });
    return y;
  }

  /** HF LlamaRMSNorm: statistics in float32 even in fp16 graphs, then weight * x. */
  rmsNorm(x: string, weightName: string, prefix: string): string {
    const { g } = this;
    const xf = this.toFloat(x);
    const variance = g.op('ReduceMean', [g.op('Mul', [xf, xf])], { axes: [-1], keepdims: 1 }, { name: `${prefix}/ReduceMean` });
    const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.f32([this.arch.rmsNormEps], [], 'eps')])])]);
    const normed = this.fromFloat(g.op('Mul', [xf, inv]));
    const w = this.floatInitializer(weightName, [this.arch.hiddenSize], this.weight(weightName).data);
    return g.op('Mul', [w, normed], {}, { name: `${prefix}/Mul_weight` });
  }
}

/** [rows, cols] -> [cols, rows] */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}
