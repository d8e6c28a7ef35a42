import { bytesPerElement, type KvArray, type KvShape } from './kv-layout';

/** KV of a prompt prefix: per layer [1, kv_heads, length, head_dim], in host memory or on the device. */
export interface PrefixEntry<K = KvArray> {
  readonly tokens: Int32Array;
  readonly keys: K[];
  readonly values: K[];
  readonly bytes: number;
  lastUsed: number;
}

export interface PrefixMatch<K = KvArray> {
  entry: PrefixEntry<K>;
  /** How many leading prompt tokens the entry covers (<= entry.tokens.length). */
  length: number;
}

/**
 * Prompt prefixes whose KV can be reused (the same history appears in every pathway of
 * an item and in the judge prompts). Exact token match; LRU eviction within a byte budget.
 */
export class PrefixCache<K = KvArray> {
  private readonly entries: PrefixEntry<K>[] = [];
  private clock = 0;
  private usedBytes = 0;

  constructor(
    private readonly shape: KvShape,
    readonly maxBytes: number,
    /** Shorter matches are not worth a separate prefill group. */
    readonly minMatch = 32,
    /** Called for each entry that leaves (device tensors are freed here). */
    private readonly onEvict: (e: PrefixEntry<K>) => void = () => {},
  ) {}

  get size(): number {
    return this.entries.length;
  }

  /** The entry sharing the longest prefix with `tokens`, leaving at least one token to compute. */
  match(tokens: readonly number[]): PrefixMatch<K> | undefined {
    let best: PrefixMatch<K> | undefined;
    const limit = tokens.length - 1;
    for (const entry of this.entries) {
      const n = Math.min(entry.tokens.length, limit);
      let i = 0;
      while (i < n && entry.tokens[i] === tokens[i]) i++;
      if (i >= this.minMatch && (!best || i > best.length)) best = { entry, length: i };
    }
    if (best) best.entry.lastUsed = ++this.clock;
    return best;
  }

  bytesFor(length: number): number {
    return 2 * this.shape.numLayers * this.shape.kvHeads * length * this.shape.headDim * bytesPerElement(this.shape.dtype);
  }

  /** Stores a prefix, evicting least recently used entries; undefined when it exceeds the budget. */
  insert(tokens: readonly number[], keys: K[], values: K[]): PrefixEntry<K> | undefined {
    const bytes = this.bytesFor(tokens.length);
    if (bytes > this.maxBytes) return undefined;
    while (this.usedBytes + bytes > this.maxBytes) {
      const victim = this.entries.reduce<PrefixEntry<K> | undefined>((v, e) => (!v || e.lastUsed < v.lastUsed ? e : v), undefined);
      if (!victim) return undefined;
      this.entries.splice(this.entries.indexOf(victim), 1);
      this.usedBytes -= victim.bytes;
      this.onEvict(victim);
    }
    const entry: PrefixEntry<K> = { tokens: Int32Array.from(tokens), keys, values, bytes, lastUsed: ++this.clock };
    this.entries.push(entry);
    this.usedBytes += bytes;
    return entry;
  }

  clear(): void {
    for (const e of this.entries) this.onEvict(e);
    this.entries.length = 0;
    this.usedBytes = 0;
  }
}

/** Length of the common prefix of two token lists. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
