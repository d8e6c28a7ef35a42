// Deterministic random weights. Each tensor gets its own stream keyed by (seed, name), so adding a
// tensor (a bias, a variant) never shifts the values of the others.

/** FNV-1a over a string, 32 bits. */
function fnv1a(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/** sfc32: small, fast, and pure 32-bit integer arithmetic, so the stream is bit-exact on every platform. */
export function createRng(seed: number, name: string): () => number {
  let a = fnv1a(name, fnv1a(`seed:${seed}`));
  let b = fnv1a(name, a ^ 0x9e3779b9);
  let c = fnv1a(name, b ^ 0x85ebca6b);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next(); // mix the seed state
  return next;
}

/**
 * Values with mean `mean` and standard deviation `std`, uniformly distributed. Uniform rather than
 * normal: no transcendental functions, so the bytes cannot depend on a libm.
 */
export function uniformTensor(seed: number, name: string, size: number, std: number, mean = 0): Float32Array {
  const next = createRng(seed, name);
  const half = std * Math.sqrt(3); // uniform on [-h, h] has std h / sqrt(3)
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = mean + ((next() / 4294967296) * 2 - 1) * half;
  return out;
}
