/**
 * Dense integer ids for the n-grams of a set of texts, built order by order: word ids
 * first, then each n-gram as (id of its first n-1 words, id of its last word) -> a new id.
 * Every key is an integer below (distinct (n-1)-grams x vocabulary), far under 2^53, so it
 * is exact, and the hash table lives in typed arrays: millions of n-grams cost no
 * allocation per n-gram (a Map of such keys boxes each one and spends its time collecting
 * garbage). Counting distinct n-grams, in a whole set or a window, is then array work.
 */

export interface NgramIds {
  /** byOrder[n - 1][t][p]: id of the n-gram of text t that ends at word p; -1 where p < n - 1 */
  byOrder: Int32Array[][];
  /** distinct n-grams per order (ids run from 0 to distinct - 1) */
  distinct: number[];
}

export function ngramIds(texts: ReadonlyArray<readonly string[]>, maxOrder: number): NgramIds {
  const words = new Map<string, number>();
  const unigrams = texts.map((tokens) => {
    // A plain loop: Int32Array.from with a map function is many times slower.
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      let id = words.get(tokens[i]);
      if (id === undefined) words.set(tokens[i], (id = words.size));
      out[i] = id;
    }
    return out;
  });
  const byOrder = [unigrams];
  const distinct = [words.size];
  const vocabulary = Math.max(1, words.size);
  for (let n = 2; n <= maxOrder; n++) {
    const prev = byOrder[n - 2];
    const index = new IntegerIndex();
    byOrder.push(
      unigrams.map((words, t) => {
        const out = new Int32Array(words.length).fill(-1);
        for (let p = n - 1; p < words.length; p++) out[p] = index.idOf(prev[t][p - 1] * vocabulary + words[p]);
        return out;
      }),
    );
    distinct.push(index.size);
  }
  return { byOrder, distinct };
}

/** Non-negative integer keys below 2^53 -> dense ids in order of first sight (open addressing). */
class IntegerIndex {
  private keys = new Float64Array(1 << 12);
  private ids = new Int32Array(1 << 12).fill(-1);
  private mask = (1 << 12) - 1;
  size = 0;

  idOf(key: number): number {
    // At most half full, so probes stay short.
    if (this.size * 2 >= this.keys.length) this.grow();
    const { keys, ids, mask } = this;
    let slot = slotOf(key) & mask;
    while (ids[slot] !== -1) {
      if (keys[slot] === key) return ids[slot];
      slot = (slot + 1) & mask;
    }
    keys[slot] = key;
    ids[slot] = this.size;
    return this.size++;
  }

  private grow(): void {
    const { keys, ids } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.ids = new Int32Array(keys.length * 2).fill(-1);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      if (ids[i] === -1) continue;
      let slot = slotOf(keys[i]) & this.mask;
      while (this.ids[slot] !== -1) slot = (slot + 1) & this.mask;
      this.keys[slot] = keys[i];
      this.ids[slot] = ids[i];
    }
  }
}

/** murmur3's 32-bit finalizer over both halves of the key: low bits that spread well. */
function slotOf(key: number): number {
  let h = (key >>> 0) ^ Math.imul((key / 4294967296) >>> 0, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
