import type { Tensor } from 'onnxruntime-common';
import { DeviceKvBatch, type KvPadding } from './device-kv-batch';
import { disposeKv, type DeviceKvRows } from './device-kv-rows';
import type { DecodeKv, KvCacheManager } from './kv-cache-manager';
import type { KvShape } from './kv-layout';
import type { PastPrefix, StepResult } from './model-runner';
import { PrefixCache, type PrefixMatch } from './prefix-cache';
import type { Request } from './request';

type DevicePast = Extract<PastPrefix, { onDevice: true }>;

/**
 * The KV cache on the device (WebGPU): each step's present.* becomes the next past and is
 * never read by the host. Rows join and leave through a small graph run on the device
 * (DeviceKvRows); the host tracks only where each row's tokens sit (DeviceKvBatch). Rows
 * that finished are marked and leave before the next step, all at once.
 */
export class DeviceKvManager implements KvCacheManager {
  readonly prefixes?: PrefixCache<Tensor>;
  private batch?: DeviceKvBatch;
  /** Row r of the device batch; undefined once its request left. */
  private slots: Array<Request | undefined> = [];
  private live: Request[] = [];

  constructor(
    shape: KvShape,
    prefixCacheBytes: number,
    private readonly ops: DeviceKvRows,
    /** Where rows sit in the cache: right padding for GroupQueryAttention graphs. */
    private readonly padding: KvPadding,
    /** Shortest cached prefix worth reusing (the scheduler's minSharedPrefix). */
    minMatch?: number,
  ) {
    if (prefixCacheBytes > 0) this.prefixes = new PrefixCache<Tensor>(shape, prefixCacheBytes, minMatch, disposeKv);
  }

  get rows(): readonly Request[] {
    return this.live;
  }

  /** The prefix's columns, one copy per row of the group. */
  async pastFor(m: PrefixMatch<unknown>, numRows: number): Promise<DevicePast> {
    const { entry, length } = m as PrefixMatch<Tensor>;
    const kv = await this.ops.rearrange({ keys: entry.keys, values: entry.values, rows: new Array<number>(numRows).fill(0), start: 0, end: length, padLeft: 0, padRight: 0 });
    return { onDevice: true, ...kv, length };
  }

  releasePast(past: PastPrefix): void {
    if (past.onDevice) disposeKv({ keys: [...past.keys], values: [...past.values] });
  }

  /** present.* of the prefix step is the whole prefix, [1, kv, length, hd] per layer. */
  storePrefix(tokens: readonly number[], res: StepResult): void {
    const kv = { keys: res.presentKeys!, values: res.presentValues! };
    if (!this.prefixes!.insert(tokens, kv.keys, kv.values)) disposeKv(kv);
  }

  /**
   * Continuous batching on the device: the running rows and the joining rows of a fresh
   * prefill become one batch (finished rows dropped, columns trimmed), without a host copy.
   */
  async admit(reqs: readonly Request[], groupRows: readonly number[], res: StepResult, past: PastPrefix | undefined, suffixLengths: readonly number[]): Promise<void> {
    const fresh = DeviceKvBatch.fromPrefill({ keys: res.presentKeys!, values: res.presentValues! }, past?.length ?? 0, suffixLengths, this.padding);
    if (reqs.length === 0) {
      fresh.dispose();
      return;
    }
    const old = this.batch;
    if (!old && reqs.length === fresh.numRows) {
      this.adopt(fresh, [...reqs]);
      return;
    }
    const liveRows = this.liveRowIndices();
    const parts = old && liveRows.length > 0 ? [{ batch: old, rows: liveRows }, { batch: fresh, rows: groupRows }] : [{ batch: fresh, rows: groupRows }];
    const kept = old ? liveRows.map((r) => this.slots[r]!) : [];
    this.batch = undefined;
    this.slots = [];
    this.live = [];
    try {
      this.adopt(await DeviceKvBatch.gather(this.ops, parts), [...kept, ...reqs]);
    } finally {
      old?.dispose();
      fresh.dispose();
    }
  }

  async prepareDecode(): Promise<DecodeKv> {
    const batch = this.batch!;
    if (this.live.length < batch.numRows) {
      const rows = this.liveRowIndices();
      const kept = this.live;
      this.batch = undefined;
      this.slots = [];
      this.live = [];
      try {
        this.adopt(await DeviceKvBatch.gather(this.ops, [{ batch, rows }]), kept);
      } finally {
        batch.dispose();
      }
    }
    return this.batch!;
  }

  commitDecode(res: StepResult): void {
    this.batch!.advance({ keys: res.presentKeys!, values: res.presentValues! });
  }

  remove(reqs: ReadonlySet<Request>): void {
    this.slots = this.slots.map((r) => (r && reqs.has(r) ? undefined : r));
    this.live = this.live.filter((r) => !reqs.has(r));
    if (this.live.length === 0) this.clearRows();
  }

  clearRows(): void {
    this.batch?.dispose();
    this.batch = undefined;
    this.slots = [];
    this.live = [];
  }

  async dispose(): Promise<void> {
    this.clearRows();
    this.prefixes?.clear();
    await this.ops.release();
  }

  private adopt(batch: DeviceKvBatch, reqs: Request[]): void {
    this.batch = batch;
    this.slots = reqs;
    this.live = [...reqs];
  }

  private liveRowIndices(): number[] {
    const out: number[] = [];
    this.slots.forEach((r, row) => {
      if (r) out.push(row);
    });
    return out;
  }
}
