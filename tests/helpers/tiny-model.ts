// Generated tiny models for tests: built once under the repo's ignored .cache/models/ and reused
// by every test file and vitest worker (models/tiny-cache.ts, the cache `--model tiny` uses too).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { ensureTinyModel as ensureIn } from '../../models/node';
import { positionIdsFromMask, type TinyModelOptions } from '../../models/tiny';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TINY_MODEL_CACHE = path.resolve(HERE, '../../.cache/models');

/** The folder of a generated model for these options, built on first use (safe across workers). */
export function ensureTinyModel(opts: TinyModelOptions = {}): Promise<string> {
  // This checkout owns its .cache: models of an older factory can go.
  return ensureIn(TINY_MODEL_CACHE, opts, { pruneOlder: true });
}

export interface DecoderFeedsInput {
  inputIds: number[][];
  attentionMask: number[][];
  positionIds?: number[][];
  /** present.* outputs of the previous step; omitted: empty past tensors */
  past?: Record<string, ort.Tensor>;
  numLogitsToKeep?: number;
}

/** Feeds for a decoder session, taking every name, dtype and KV shape from the session itself. */
export function decoderFeeds(session: ort.InferenceSession, input: DecoderFeedsInput): Record<string, ort.Tensor> {
  const B = input.inputIds.length;
  const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
  const feeds: Record<string, ort.Tensor> = { input_ids: i64(input.inputIds), attention_mask: i64(input.attentionMask) };
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) continue;
    if (meta.name === 'position_ids') {
      if (!input.positionIds) throw new Error('decoderFeeds: the graph takes position_ids');
      feeds.position_ids = i64(input.positionIds);
    } else if (meta.name === 'num_logits_to_keep') {
      feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.of(BigInt(input.numLogitsToKeep ?? 0)), []);
    } else if (meta.name.startsWith('past_key_values.')) {
      const present = input.past?.[meta.name.replace('past_key_values.', 'present.')];
      const [, heads, , headDim] = meta.shape as [string, number, string, number];
      feeds[meta.name] = present ?? new ort.Tensor(meta.type as 'float32', meta.type === 'float16' ? new Uint16Array(0) : new Float32Array(0), [B, heads, 0, headDim]);
    }
  }
  return feeds;
}

/** How many values of two float32 tensors differ bitwise (a failing toEqual on 10^5 floats takes minutes to print). */
export function differingValues(a: ort.Tensor, b: ort.Tensor): number {
  if (JSON.stringify(a.dims) !== JSON.stringify(b.dims)) throw new Error(`shapes differ: [${a.dims}] vs [${b.dims}]`);
  const [x, y] = [a.data as Float32Array, b.data as Float32Array];
  let n = 0;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) n++;
  return n;
}

/** A step's present.* outputs, by name. */
export function presentOutputs(o: ort.InferenceSession.ReturnType): Record<string, ort.Tensor> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => k.startsWith('present.')));
}

/** The head size of a model's KV cache, from its first past input. */
export function pastHeadDim(session: ort.InferenceSession): number {
  const meta = session.inputMetadata.find((m) => m.name.startsWith('past_key_values.'));
  if (!meta?.isTensor) throw new Error('pastHeadDim: the graph takes no past_key_values');
  return Number(meta.shape[3]);
}

/** Logits of any float dtype as float32. */
export function logitsAsFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type !== 'float16') throw new Error(`unexpected logits type ${t.type}`);
  const bits = t.data as Uint16Array;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    const sign = h & 0x8000 ? -1 : 1;
    out[i] = exp === 0 ? sign * mant * 2 ** -24 : exp === 0x1f ? (mant ? NaN : sign * Infinity) : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= max)) max = d; // NaN sticks
  }
  return max;
}

export interface PaddedBatch {
  inputIds: number[][];
  attentionMask: number[][];
  positionIds: number[][];
}

/** Left-pads prompts into one batch; positions as HF/transformers.js make them (pads at 1). */
export function leftPadBatch(prompts: number[][], pad: number): PaddedBatch {
  const S = Math.max(...prompts.map((p) => p.length));
  const inputIds = prompts.map((p) => [...Array(S - p.length).fill(pad), ...p]);
  const attentionMask = prompts.map((p) => [...Array(S - p.length).fill(0), ...p.map(() => 1)]);
  return { inputIds, attentionMask, positionIds: attentionMask.map(positionIdsFromMask) };
}

/** Largest |a - b| over the positions whose mask is 1 ([batch, seq, vocab] arrays). */
export function maxAbsDiffAtTokens(a: Float32Array, b: Float32Array, mask: number[][], vocab: number): number {
  let max = 0;
  const S = mask[0].length;
  mask.forEach((row, bi) =>
    row.forEach((m, s) => {
      if (m === 1) max = Math.max(max, maxAbsDiff(a.subarray((bi * S + s) * vocab, (bi * S + s + 1) * vocab), b.subarray((bi * S + s) * vocab, (bi * S + s + 1) * vocab)));
    }),
  );
  return max;
}

export function argmax(a: ArrayLike<number>, offset = 0, n = a.length - offset): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[offset + i] > a[offset + best]) best = i;
  return best;
}
