/**
 * Kendall's tau-b as scipy.stats.kendalltau computes it: ties in either list reduce the
 * denominator; NaN when either list is constant (all pairs tied) or has fewer than 2
 * values. The pair counts are exact integers, and the final division follows scipy's
 * order (`(con - dis) / sqrt(tot - xtie) / sqrt(tot - ytie)`, clamped to [-1, 1]) so the
 * float result is bit-identical.
 */
export function kendallTauB<T extends number | string>(x: readonly T[], y: readonly T[]): number {
  if (x.length !== y.length) throw new RangeError('kendallTauB: lists differ in length');
  const n = x.length;
  if (n === 0) return NaN;
  let conMinusDis = 0;
  let xTies = 0;
  let yTies = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = compare(x[i], x[j]);
      const dy = compare(y[i], y[j]);
      if (dx === 0) xTies++;
      if (dy === 0) yTies++;
      if (dx !== 0 && dy !== 0) conMinusDis += dx === dy ? 1 : -1;
    }
  }
  const total = (n * (n - 1)) / 2;
  if (xTies === total || yTies === total) return NaN;
  const tau = conMinusDis / Math.sqrt(total - xTies) / Math.sqrt(total - yTies);
  return Math.min(1, Math.max(-1, tau));
}

function compare<T extends number | string>(a: T, b: T): number {
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Python's str ordering (by code point; JS `<` compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
}

/**
 * The official rank accuracy: (tau_b + 1) / 2 over the option orders, 0 when the lists
 * differ in length. Options are compared by code point (`ord`); multi-character options
 * such as "ii" (on which the official `ord()` fails) are compared as strings.
 */
export function rankAccuracy(gt: readonly string[], pred: readonly string[]): { accuracy: number; tau: number | null } {
  if (gt.length !== pred.length) return { accuracy: 0, tau: null };
  const tau = kendallTauB(gt, pred);
  return { accuracy: (tau + 1) / 2, tau };
}
