// A plain TypeScript forward pass of the tiny architecture (HF LlamaForCausalLM / Qwen2ForCausalLM
// semantics, float64 math, full sequence, no cache): the yardstick the ONNX graphs are tested against.
import type { TinyArchitecture } from './options';
import { ropeAngle, ropeInvFreq } from './rope';
import type { TinyWeights } from './weights';

export interface ReferenceInput {
  /** [batch][seq] token ids, left-padded */
  inputIds: number[][];
  /** [batch][seq] 1 = token, 0 = padding */
  attentionMask: number[][];
  /** [batch][seq]; default: HF's cumsum(mask) - 1 with pads at 1 */
  positionIds?: number[][];
}

export interface ReferenceOutput {
  /** [batch, seq, vocab] row-major */
  logits: Float32Array;
  dims: [number, number, number];
}

/** HF create_position_ids: cumsum(mask) - 1, padding positions set to 1. */
export function positionIdsFromMask(mask: number[]): number[] {
  let sum = 0;
  return mask.map((m) => {
    sum += m;
    return m === 0 ? 1 : sum - 1;
  });
}

export function referenceForward(arch: TinyArchitecture, weights: TinyWeights, input: ReferenceInput): ReferenceOutput {
  const B = input.inputIds.length;
  const S = input.inputIds[0]?.length ?? 0;
  const V = arch.vocabSize;
  const logits = new Float32Array(B * S * V);
  for (let b = 0; b < B; b++) {
    const rows = forwardRow(arch, weights, input.inputIds[b], input.attentionMask[b], input.positionIds?.[b] ?? positionIdsFromMask(input.attentionMask[b]));
    rows.forEach((row, s) => logits.set(row, (b * S + s) * V));
  }
  return { logits, dims: [B, S, V] };
}

function forwardRow(arch: TinyArchitecture, w: TinyWeights, ids: number[], mask: number[], positions: number[]): Float32Array[] {
  const get = (name: string) => {
    const t = w.get(name);
    if (!t) throw new Error(`reference: weight ${name} missing`);
    return t.data;
  };
  const H = arch.hiddenSize;
  const embed = get('model.embed_tokens.weight');
  let x: Float64Array[] = ids.map((id) => Float64Array.from(embed.subarray(id * H, (id + 1) * H)));
  const invFreq = ropeInvFreq(arch);

  for (let l = 0; l < arch.numLayers; l++) {
    const p = `model.layers.${l}`;
    const lin = (v: Float64Array, name: string, bias = false) => linear(v, get(`${p}.${name}.weight`), bias ? get(`${p}.${name}.bias`) : undefined);
    const h = x.map((v) => rmsNorm(v, get(`${p}.input_layernorm.weight`), arch.rmsNormEps));
    const q = h.map((v, s) => rotate(lin(v, 'self_attn.q_proj', arch.attentionBias), arch.numHeads, arch.headDim, invFreq, positions[s]));
    const k = h.map((v, s) => rotate(lin(v, 'self_attn.k_proj', arch.attentionBias), arch.numKvHeads, arch.headDim, invFreq, positions[s]));
    const vals = h.map((v) => lin(v, 'self_attn.v_proj', arch.attentionBias));
    const ctx = attention(arch, q, k, vals, mask);
    x = x.map((v, s) => add(v, lin(ctx[s], 'self_attn.o_proj')));
    const h2 = x.map((v) => rmsNorm(v, get(`${p}.post_attention_layernorm.weight`), arch.rmsNormEps));
    x = x.map((v, s) => {
      const gate = lin(h2[s], 'mlp.gate_proj');
      const up = lin(h2[s], 'mlp.up_proj');
      for (let i = 0; i < gate.length; i++) gate[i] = (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
      return add(v, lin(gate, 'mlp.down_proj'));
    });
  }
  const head = w.get('lm_head.weight')?.data ?? embed;
  return x.map((v) => Float32Array.from(linear(rmsNorm(v, get('model.norm.weight'), arch.rmsNormEps), head)));
}

/** y = W x (+ b) with W in HF layout [out, in]. */
function linear(x: Float64Array, weight: Float32Array, bias?: Float32Array): Float64Array {
  const inF = x.length;
  const outF = weight.length / inF;
  const y = new Float64Array(outF);
  for (let o = 0; o < outF; o++) {
    let s = bias ? bias[o] : 0;
    const base = o * inF;
    for (let i = 0; i < inF; i++) s += weight[base + i] * x[i];
    y[o] = s;
  }
  return y;
}

function rmsNorm(x: Float64Array, weight: Float32Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const inv = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * inv * weight[i]);
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]);
}

/** rotate_half convention: pairs (j, j + d/2) rotate by angle pos * inv_freq[j]. */
function rotate(v: Float64Array, numHeads: number, d: number, invFreq: Float32Array, pos: number): Float64Array {
  const out = new Float64Array(v.length);
  const half = d / 2;
  for (let h = 0; h < numHeads; h++) {
    for (let j = 0; j < half; j++) {
      const a = ropeAngle(invFreq, pos, j);
      const [c, s] = [Math.cos(a), Math.sin(a)];
      const x1 = v[h * d + j];
      const x2 = v[h * d + j + half];
      out[h * d + j] = x1 * c - x2 * s;
      out[h * d + j + half] = x2 * c + x1 * s;
    }
  }
  return out;
}

/**
 * Causal attention over one row with padding mask. Query head h reads KV head h / n_rep (HF
 * repeat_kv). A query that may attend to nothing (a left pad) attends uniformly to every key,
 * as the graph's "replace masked scores by the lowest float" does.
 */
function attention(arch: TinyArchitecture, q: Float64Array[], k: Float64Array[], v: Float64Array[], mask: number[]): Float64Array[] {
  const d = arch.headDim;
  const nRep = arch.numHeads / arch.numKvHeads;
  const S = q.length;
  const scale = 1 / Math.sqrt(d);
  return q.map((qs, s) => {
    const out = new Float64Array(arch.numHeads * d);
    const allowed = Array.from({ length: S }, (_, t) => t <= s && mask[t] === 1);
    const anyAllowed = allowed.some(Boolean);
    for (let h = 0; h < arch.numHeads; h++) {
      const kvh = Math.floor(h / nRep);
      const scores = new Float64Array(S);
      let max = -Infinity;
      for (let t = 0; t < S; t++) {
        if (anyAllowed && !allowed[t]) continue;
        let dot = 0;
        for (let i = 0; i < d; i++) dot += qs[h * d + i] * k[t][kvh * d + i];
        scores[t] = dot * scale;
        if (scores[t] > max) max = scores[t];
      }
      let sum = 0;
      for (let t = 0; t < S; t++) {
        scores[t] = !anyAllowed ? 1 : allowed[t] ? Math.exp(scores[t] - max) : 0;
        sum += scores[t];
      }
      for (let t = 0; t < S; t++) {
        const pr = scores[t] / sum;
        if (pr === 0) continue;
        for (let i = 0; i < d; i++) out[h * d + i] += pr * v[t][kvh * d + i];
      }
    }
    return out;
  });
}
