import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { IpdError } from '../common';
import type { DecodeKv, KvTensorFactory } from './kv-cache-manager';
import type { DecoderIo } from './graph/decoder-io';
import type { LeanIo } from './graph/lean-graph';
import { allocKv, type KvArray, type KvShape } from './kv-layout';
import type { LmHeadScreen } from './lm-head-screen';

type TensorCtor = new (type: 'int64' | 'float32' | 'float16', data: BigInt64Array | Float32Array | Uint16Array, dims: readonly number[]) => Tensor;

export interface RunnerInit {
  session: InferenceSession;
  Tensor: TensorCtor;
  io: DecoderIo;
  /** Present when the graph was rewritten for lean steps. */
  lean?: LeanIo;
  shape: KvShape;
  vocabSize: number;
  padTokenId: number;
  /** The session keeps present.* on the device (WebGPU gpu-buffer outputs): use the device batch path. */
  kvOnDevice?: boolean;
  /** With a screened LM head (lean.screen): picks greedy tokens exactly from the screen. */
  screen?: LmHeadScreen;
  /** With a screened LM head: the exact head as a session, made when a row first samples. */
  createExactHead?: () => Promise<InferenceSession>;
}

/**
 * KV to feed as past for a prefill: per layer [1, kv, length, hd] in host memory (repeated
 * for each row here), or device tensors already holding one copy per row.
 */
export type PastPrefix = HostPast | { onDevice: true; keys: readonly Tensor[]; values: readonly Tensor[]; length: number };
export interface HostPast {
  onDevice?: false;
  keys: readonly KvArray[];
  values: readonly KvArray[];
  length: number;
}

export interface StepResult {
  rows: number;
  /** Greedy next token per row: the graph's ArgMax, or the screened head's exact pick (lean graphs). */
  nextTokens?: BigInt64Array | Int32Array;
  /** Last-position logits per row, [rows, vocab], when asked for. */
  logits?: Float32Array;
  /** On the device path: present.* per layer, left on the device. */
  presentKeys?: Tensor[];
  presentValues?: Tensor[];
  /** This step's KV per layer as [rows, kv, seq, hd]; the new positions start at newOffset. */
  newKeys: KvArray[];
  newValues: KvArray[];
  seq: number;
  newOffset: number;
}

const ZERO = BigInt(0);
const ONE = BigInt(1);

/**
 * Wraps the ONNX Runtime session: builds feeds from reusable buffers, runs, and hands back
 * only what the engine reads (next tokens or last logits, and the new KV positions).
 */
export class ModelRunner {
  readonly io: DecoderIo;
  readonly lean?: LeanIo;
  readonly shape: KvShape;
  readonly vocabSize: number;
  readonly kvOnDevice: boolean;
  private readonly session: InferenceSession;
  private readonly Tensor: TensorCtor;
  private readonly padId: bigint;
  private ids = new BigInt64Array(0);
  private mask = new BigInt64Array(0);
  private positions = new BigInt64Array(0);
  private kvIndex = new BigInt64Array(0);
  private readonly emptyKv: KvArray;
  private readonly keepOne: BigInt64Array = BigInt64Array.of(ONE);
  readonly screen?: LmHeadScreen;
  private readonly createExactHead?: () => Promise<InferenceSession>;
  private exactHead?: Promise<InferenceSession>;

  constructor(init: RunnerInit) {
    this.session = init.session;
    this.Tensor = init.Tensor;
    this.io = init.io;
    this.lean = init.lean;
    this.shape = init.shape;
    this.vocabSize = init.vocabSize;
    this.kvOnDevice = init.kvOnDevice ?? false;
    this.padId = BigInt(init.padTokenId);
    this.emptyKv = allocKv(init.shape.dtype, 0);
    if (init.lean?.screen && !init.screen) throw new IpdError('INTERNAL', 'a screened LM head needs its LmHeadScreen');
    this.screen = init.screen;
    this.createExactHead = init.createExactHead;
  }

  private grow(n: number): void {
    if (this.ids.length < n) this.ids = new BigInt64Array(n * 2);
    if (this.positions.length < n) this.positions = new BigInt64Array(n * 2);
  }

  private growMask(n: number): void {
    if (this.mask.length < n) this.mask = new BigInt64Array(n * 2);
  }

  private tensor(type: 'int64', data: BigInt64Array, dims: number[]): Tensor;
  private tensor(type: 'float32' | 'float16', data: KvArray, dims: number[]): Tensor;
  private tensor(type: 'int64' | 'float32' | 'float16', data: BigInt64Array | KvArray, dims: number[]): Tensor {
    return new this.Tensor(type, data as never, dims);
  }

  /**
   * Prefills left-padded prompt suffixes on top of an optional shared prefix. Row i's
   * tokens sit at positions prefix.length + j; padding is masked out.
   */
  async prefill(rows: readonly (readonly number[])[], prefix: PastPrefix | undefined, wantLogits: boolean): Promise<StepResult> {
    const { feeds, S, P } = this.prefillFeeds(rows, prefix);
    return this.run(feeds, rows.length, S, wantLogits, P);
  }

  /**
   * A screened head's raw outputs for prompts prefilled from scratch: the screened logits
   * [rows, V], the head's input [rows, H] and its int8 rounding (load checks and tests).
   */
  async screenStep(rows: readonly (readonly number[])[]): Promise<{ logits: Float32Array; hidden: Float32Array; quantized: Float32Array }> {
    const io = this.lean?.screen;
    if (!io) throw new IpdError('INTERNAL', 'screenStep: the graph has no screened LM head');
    const { feeds } = this.prefillFeeds(rows, undefined);
    if (this.io.numLogitsToKeep) feeds[this.io.numLogitsToKeep] = this.tensor('int64', this.keepOne, []);
    const out = await this.session.run(feeds, [io.logits, io.logitScale, io.hidden, io.quantized]);
    const logits = out[io.logits].data as Float32Array;
    scaleRows(logits, out[io.logitScale].data as Float32Array, io.vocab, rows.length);
    return { logits, hidden: out[io.hidden].data as Float32Array, quantized: out[io.quantized].data as Float32Array };
  }

  private prefillFeeds(rows: readonly (readonly number[])[], prefix: PastPrefix | undefined): { feeds: Record<string, Tensor>; S: number; P: number } {
    const b = rows.length;
    const S = Math.max(...rows.map((r) => r.length));
    const P = prefix?.length ?? 0;
    const T = P + S;
    this.grow(b * S);
    this.growMask(b * T);
    for (let i = 0; i < b; i++) {
      const row = rows[i];
      const pad = S - row.length;
      for (let j = 0; j < S; j++) {
        const k = i * S + j;
        if (j < pad) {
          this.ids[k] = this.padId;
          this.positions[k] = ONE;
        } else {
          this.ids[k] = BigInt(row[j - pad]);
          this.positions[k] = BigInt(P + j - pad);
        }
      }
      for (let t = 0; t < T; t++) this.mask[i * T + t] = t < P || t >= P + pad ? ONE : ZERO;
    }
    const feeds: Record<string, Tensor> = {
      [this.io.inputIds]: this.tensor('int64', this.ids.subarray(0, b * S), [b, S]),
    };
    if (this.io.attentionMask) feeds[this.io.attentionMask] = this.tensor('int64', this.mask.subarray(0, b * T), [b, T]);
    if (this.io.positionIds) feeds[this.io.positionIds] = this.tensor('int64', this.positions.subarray(0, b * S), [b, S]);
    const { kvHeads, headDim, dtype } = this.shape;
    if (this.lean?.kvIndexInput) feeds[this.lean.kvIndexInput] = this.kvIndexFeed(b, S, (_row, j) => P + j);
    this.io.layers.forEach((l, i) => {
      if (prefix?.onDevice) {
        feeds[l.pastKey] = prefix.keys[i];
        feeds[l.pastValue] = prefix.values[i];
        return;
      }
      const k = prefix ? expandRows(prefix.keys[i], b) : this.emptyKv;
      const v = prefix ? expandRows(prefix.values[i], b) : this.emptyKv;
      feeds[l.pastKey] = this.tensor(dtype, k, [b, kvHeads, P, headDim]);
      feeds[l.pastValue] = this.tensor(dtype, v, [b, kvHeads, P, headDim]);
    });
    return { feeds, S, P };
  }

  /** One decode step for every row of the batch; tokens[r] is row r's newest token. */
  async decode(kv: DecodeKv, tokens: Int32Array, wantLogits: boolean): Promise<StepResult> {
    const B = kv.numRows;
    const C = kv.pastLength;
    const T = C + 1;
    this.grow(B);
    this.growMask(B * T);
    for (let r = 0; r < B; r++) {
      this.ids[r] = BigInt(tokens[r]);
      this.positions[r] = BigInt(kv.length(r));
      kv.fillDecodeMask(r, this.mask, r * T, ZERO, ONE);
    }
    const feeds: Record<string, Tensor> = {
      [this.io.inputIds]: this.tensor('int64', this.ids.subarray(0, B), [B, 1]),
    };
    if (this.io.attentionMask) feeds[this.io.attentionMask] = this.tensor('int64', this.mask.subarray(0, B * T), [B, T]);
    if (this.io.positionIds) feeds[this.io.positionIds] = this.tensor('int64', this.positions.subarray(0, B), [B, 1]);
    if (this.lean?.kvIndexInput) feeds[this.lean.kvIndexInput] = this.kvIndexFeed(B, 1, (r) => kv.length(r));
    const past = kv.pastTensors(this.makeKvTensor);
    this.io.layers.forEach((l, i) => {
      feeds[l.pastKey] = past.keys[i];
      feeds[l.pastValue] = past.values[i];
    });
    return this.run(feeds, B, 1, wantLogits, C);
  }

  private readonly makeKvTensor: KvTensorFactory = (data, dims) => this.tensor(this.shape.dtype, data, dims);

  /** [rows, kv, seq, hd] positions in present of each new element (GroupQueryAttention graphs). */
  private kvIndexFeed(rows: number, seq: number, position: (row: number, j: number) => number): Tensor {
    const { kvHeads, headDim } = this.shape;
    const n = rows * kvHeads * seq * headDim;
    if (this.kvIndex.length < n) this.kvIndex = new BigInt64Array(n * 2);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < seq; j++) {
        const pos = BigInt(position(r, j));
        for (let h = 0; h < kvHeads; h++) {
          const start = ((r * kvHeads + h) * seq + j) * headDim;
          this.kvIndex.fill(pos, start, start + headDim);
        }
      }
    }
    return this.tensor('int64', this.kvIndex.subarray(0, n), [rows, kvHeads, seq, headDim]);
  }

  /**
   * Greedy picks of a screened head: from each row's top screened logits, or, for a row whose
   * candidates reach past them (rare), from its whole row, read by running the same step once
   * more (a step has no side effects; it gives the same values). The exact head's own session
   * would be no cheaper: its float weights are packed into fresh memory at its first run.
   */
  private async screenPicks(feeds: Record<string, Tensor>, out: InferenceSession.ReturnType, rows: number): Promise<Int32Array> {
    const io = this.lean!.screen!;
    const screen = this.screen!;
    const hidden = out[io.hidden].data as Float32Array;
    const quantized = out[io.quantized].data as Float32Array;
    const values = out[io.topValues].data as Float32Array;
    const indices = out[io.topIndices].data as BigInt64Array;
    const picks = new Int32Array(rows);
    let unsettled: number[] | undefined;
    for (let i = 0; i < rows; i++) {
      const v = screen.pickTop(values, indices, i * io.topK, io.topK, hidden, quantized, i * io.hiddenSize);
      if (v === undefined) (unsettled ??= []).push(i);
      else picks[i] = v;
    }
    if (unsettled) {
      const again = await this.session.run(feeds, [io.logits, io.logitScale]);
      const logits = again[io.logits].data as Float32Array;
      scaleRows(logits, again[io.logitScale].data as Float32Array, io.vocab, rows);
      for (const i of unsettled) picks[i] = screen.pick(logits, i * io.vocab, hidden, quantized, i * io.hiddenSize);
      screen.numFullRows += unsettled.length;
    }
    return picks;
  }

  /** Full exact logits from a screened head's input (rows that sample). */
  private async exactLogits(hidden: Tensor, rows: number): Promise<Float32Array> {
    if (!this.createExactHead) throw new IpdError('INTERNAL', 'a screened LM head needs its exact head to sample');
    this.exactHead ??= this.createExactHead();
    const out = await (await this.exactHead).run({ hidden });
    return lastPositionLogits(out.logits, rows, this.vocabSize);
  }

  /** Frees the exact head's session, if one was made. */
  async release(): Promise<void> {
    const head = this.exactHead;
    this.exactHead = undefined;
    if (head) await (await head).release();
  }

  private async run(feeds: Record<string, Tensor>, rows: number, seq: number, wantLogits: boolean, pastLen: number): Promise<StepResult> {
    if (this.io.numLogitsToKeep) feeds[this.io.numLogitsToKeep] = this.tensor('int64', this.keepOne, []);
    const fetch: string[] = [];
    const lean = this.lean;
    const screen = lean?.screen;
    if (screen) fetch.push(screen.hidden, ...(wantLogits ? [] : [screen.topValues, screen.topIndices, screen.quantized]));
    else if (lean?.nextToken && !wantLogits) fetch.push(lean.nextToken);
    else fetch.push(this.io.logits);
    if (lean && !this.kvOnDevice) fetch.push(...lean.newKeys, ...lean.newValues);
    else for (const l of this.io.layers) fetch.push(l.presentKey, l.presentValue);
    let out: InferenceSession.ReturnType;
    try {
      // A session with device-located outputs must be asked for all of them (ORT checks the count).
      out = await this.session.run(feeds, this.kvOnDevice ? this.session.outputNames : fetch);
    } catch (err) {
      throw new IpdError('GENERATION_FAILED', `onnxruntime failed on a step of ${rows} row(s) x ${seq} token(s) (past ${pastLen}): ${(err as Error).message}`, { cause: err });
    }
    const result: StepResult = {
      rows,
      newKeys: [],
      newValues: [],
      seq: lean ? seq : pastLen + seq,
      newOffset: lean ? 0 : pastLen,
    };
    if (screen) {
      const hidden = out[screen.hidden].data as Float32Array;
      if (wantLogits) result.logits = await this.exactLogits(out[screen.hidden], rows);
      else result.nextTokens = await this.screenPicks(feeds, out, rows);
    } else if (lean?.nextToken && !wantLogits) result.nextTokens = out[lean.nextToken].data as BigInt64Array;
    else result.logits = lastPositionLogits(out[this.io.logits], rows, this.vocabSize);
    if (this.kvOnDevice) {
      // Device tensors are never read here (a synchronous read of a GPU buffer aborts).
      result.presentKeys = this.io.layers.map((l) => out[l.presentKey]);
      result.presentValues = this.io.layers.map((l) => out[l.presentValue]);
      if (lean) for (const n of [...lean.newKeys, ...lean.newValues]) out[n].dispose();
    } else if (lean) {
      result.newKeys = lean.newKeys.map((n) => out[n].data as KvArray);
      result.newValues = lean.newValues.map((n) => out[n].data as KvArray);
    } else {
      result.newKeys = this.io.layers.map((l) => out[l.presentKey].data as KvArray);
      result.newValues = this.io.layers.map((l) => out[l.presentValue].data as KvArray);
    }
    return result;
  }
}

/** [1, ...] -> [b, ...] by repetition (b = 1 returns the data itself). */
function expandRows(data: KvArray, b: number): KvArray {
  if (b === 1) return data;
  const out = allocKv(data instanceof Uint16Array ? 'float16' : 'float32', data.length * b);
  for (let i = 0; i < b; i++) (out as Float32Array).set(data as Float32Array, i * data.length);
  return out;
}

/** Logits of the last position of each row as float32 [rows, vocab], whatever the graph's layout. */
export function lastPositionLogits(t: Tensor, rows: number, vocab: number): Float32Array {
  const data = t.data as Float32Array | Uint16Array;
  const seq = data.length / (rows * vocab);
  // Already [rows, 1, vocab] in float32: the binding handed us a fresh array we can keep.
  if (seq === 1 && data instanceof Float32Array) return data;
  const out = new Float32Array(rows * vocab);
  for (let r = 0; r < rows; r++) {
    const start = (r * seq + seq - 1) * vocab;
    if (data instanceof Uint16Array) for (let v = 0; v < vocab; v++) out[r * vocab + v] = fp16ToFloat(data[start + v]);
    else out.set(data.subarray(start, start + vocab), r * vocab);
  }
  return out;
}

const F16_BUF = new DataView(new ArrayBuffer(4));
export function fp16ToFloat(h: number): number {
  const s = (h & 0x8000) << 16;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return (s ? -1 : 1) * m * 2 ** -24;
  if (e === 31) return m ? NaN : s ? -Infinity : Infinity;
  F16_BUF.setUint32(0, s | ((e + 112) << 23) | (m << 13));
  return F16_BUF.getFloat32(0);
}

/** Screened logits come divided by their row's scale (the graph saves a pass over [rows, V]): multiplied back here, as the graph does for the top values. */
function scaleRows(logits: Float32Array, scale: Float32Array, vocab: number, rows: number): void {
  for (let i = 0; i < rows; i++) {
    const s = scale[i];
    for (let v = i * vocab; v < (i + 1) * vocab; v++) logits[v] = Math.fround(logits[v] * s);
  }
}
