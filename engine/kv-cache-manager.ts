import type { Tensor } from 'onnxruntime-common';
import type { PastPrefix, StepResult } from './model-runner';
import type { PrefixMatch } from './prefix-cache';
import type { Request } from './request';
import type { PrefixLookup } from './scheduler';

/**
 * What a decode step feeds the graph, wherever the cache lives: one past tensor pair per
 * layer covering `pastLength` columns, and per row its next position and which columns hold
 * its tokens.
 */
export interface DecodeKv {
  readonly numRows: number;
  /** Columns of the past tensors (padding and free slots included). */
  readonly pastLength: number;
  /** Tokens row r holds: its next position id. */
  length(r: number): number;
  /** Row r's attention mask for a decode step: the past columns, then 1 for the new token. */
  fillDecodeMask(r: number, mask: BigInt64Array, offset: number, zero: bigint, one: bigint): void;
  /** Past tensors per layer as the graph's past_key_values inputs. */
  pastTensors(make: KvTensorFactory): { keys: readonly Tensor[]; values: readonly Tensor[] };
}

export type KvTensorFactory = (data: Float32Array | Uint16Array, dims: number[]) => Tensor;

/**
 * Owns the KV cache of the running batch and of reusable prompt prefixes (after vLLM v1's
 * KV-cache manager): the engine core asks it for pasts and hands it each step's new KV, and
 * never learns whether the cache sits in host arrays or on a GPU. Rows are the running
 * requests in the order a decode step feeds them.
 */
export interface KvCacheManager {
  /** Cached prompt prefixes, for the scheduler to match; absent when prefix reuse is off. */
  readonly prefixes?: PrefixLookup;
  /** The running requests, row by row (valid after admit() and prepareDecode()). */
  readonly rows: readonly Request[];
  /** The first `match.length` positions of a cached prefix as the past of `numRows` prefill rows. */
  pastFor(match: PrefixMatch<unknown>, numRows: number): Promise<PastPrefix>;
  /** Frees a past made by pastFor (device tensors), once its step has run. */
  releasePast(past: PastPrefix): void;
  /** Keeps `tokens` as a reusable prefix: `res` prefilled its tail on top of `past` (its head). */
  storePrefix(tokens: readonly number[], res: StepResult, past: PastPrefix | undefined): void;
  /**
   * Adds requests of a prefill group to the running batch: `reqs[j]` was row `groupRows[j]`
   * of the prefill `res` of left-padded suffixes (`suffixLengths`) on top of `past`.
   */
  admit(reqs: readonly Request[], groupRows: readonly number[], res: StepResult, past: PastPrefix | undefined, suffixLengths: readonly number[]): Promise<void>;
  /** Readies the batch for a decode step (rows that left are dropped) and says what to feed. */
  prepareDecode(): Promise<DecodeKv>;
  /** Takes a decode step's new KV for every row. */
  commitDecode(res: StepResult): void;
  /** Requests leave the batch (finished, aborted or failed). */
  remove(reqs: ReadonlySet<Request>): void;
  /** Drops every row (after a failed step). */
  clearRows(): void;
  /** Frees device memory. */
  dispose(): Promise<void>;
}
