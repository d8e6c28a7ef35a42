import { BatchKvCache } from './batch-kv-cache';
import type { DecodeKv, KvCacheManager } from './kv-cache-manager';
import { allocKv, copyPositions, type KvArray, type KvShape } from './kv-layout';
import type { HostPast, PastPrefix, StepResult } from './model-runner';
import { PrefixCache, type PrefixMatch } from './prefix-cache';
import type { Request } from './request';

/**
 * The KV cache in host memory: the running batch in one BatchKvCache fed to the graph
 * without copies, each step appending only the new positions; prefixes as host arrays.
 */
export class HostKvManager implements KvCacheManager {
  readonly prefixes?: PrefixCache;
  private readonly cache: BatchKvCache;
  private readonly rowRequests: Request[] = [];

  constructor(
    private readonly shape: KvShape,
    prefixCacheBytes: number,
    /** Shortest cached prefix worth reusing (the scheduler's minSharedPrefix). */
    minMatch?: number,
    /** The most rows the batch will hold (the scheduler's maxBatch). */
    maxRows?: number,
  ) {
    this.cache = new BatchKvCache(shape, maxRows);
    if (prefixCacheBytes > 0) this.prefixes = new PrefixCache(shape, prefixCacheBytes, minMatch);
  }

  get rows(): readonly Request[] {
    return this.rowRequests;
  }

  /** [1, kv, length, hd] per layer; the entry's own arrays when the whole entry is used. */
  async pastFor(m: PrefixMatch<unknown>, _numRows: number): Promise<HostPast> {
    const { entry, length } = m as PrefixMatch;
    if (length === entry.tokens.length) return { keys: entry.keys, values: entry.values, length };
    const { kvHeads, headDim, dtype } = this.shape;
    const cut = (src: KvArray) => {
      const out = allocKv(dtype, kvHeads * length * headDim);
      copyPositions(src, 0, entry.tokens.length, 0, out, 0, length, 0, length, kvHeads, headDim);
      return out;
    };
    return { keys: entry.keys.map(cut), values: entry.values.map(cut), length };
  }

  releasePast(): void {}

  storePrefix(tokens: readonly number[], res: StepResult, pastIn: PastPrefix | undefined): void {
    const past = pastIn as HostPast | undefined;
    const { kvHeads, headDim, dtype } = this.shape;
    const P = past?.length ?? 0;
    const L = tokens.length;
    const gather = (pastArr: KvArray | undefined, step: KvArray) => {
      const out = allocKv(dtype, kvHeads * L * headDim);
      if (pastArr) copyPositions(pastArr, 0, P, 0, out, 0, L, 0, P, kvHeads, headDim);
      copyPositions(step, 0, res.seq, res.newOffset, out, 0, L, P, L - P, kvHeads, headDim);
      return out;
    };
    this.prefixes!.insert(
      tokens,
      res.newKeys.map((k, i) => gather(past?.keys[i], k)),
      res.newValues.map((v, i) => gather(past?.values[i], v)),
    );
  }

  async admit(reqs: readonly Request[], groupRows: readonly number[], res: StepResult, past: PastPrefix | undefined, suffixLengths: readonly number[]): Promise<void> {
    if (reqs.length === 0) return;
    const P = past?.length ?? 0;
    const S = Math.max(...suffixLengths);
    this.cache.reserve(this.cache.numRows + reqs.length, Math.max(this.cache.maxLength(), P + S) + 1);
    const host = past as HostPast | undefined;
    reqs.forEach((r, j) => {
      const i = groupRows[j];
      const row = this.cache.addRow();
      if (host) this.cache.appendFrom(row, host.keys, host.values, 0, P, 0, P);
      const len = suffixLengths[i];
      this.cache.appendFrom(row, res.newKeys, res.newValues, i, res.seq, res.newOffset + (S - len), len);
      this.rowRequests[row] = r;
    });
  }

  async prepareDecode(): Promise<DecodeKv> {
    this.cache.reserve(this.cache.numRows, this.cache.maxLength() + 1);
    return this.cache;
  }

  commitDecode(res: StepResult): void {
    for (let row = 0; row < this.cache.numRows; row++) this.cache.appendFrom(row, res.newKeys, res.newValues, row, res.seq, res.newOffset, 1);
  }

  remove(reqs: ReadonlySet<Request>): void {
    for (let row = this.rowRequests.length - 1; row >= 0; row--) {
      if (!reqs.has(this.rowRequests[row])) continue;
      // The last row moves into the freed one.
      const moved = this.cache.removeRow(row);
      const last = this.rowRequests.length - 1;
      if (moved >= 0) this.rowRequests[row] = this.rowRequests[last];
      this.rowRequests.length = last;
    }
  }

  clearRows(): void {
    this.remove(new Set(this.rowRequests));
  }

  async dispose(): Promise<void> {}
}
