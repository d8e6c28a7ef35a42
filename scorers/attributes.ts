/**
 * Attribute inference metrics (official `compute_attribute_metrics`): attribute F1 over the
 * predicted vs. GT attribute keys, value F1 over "key:value" strings, and relative value
 * accuracy = value precision / attribute precision, rounded to 2 decimals.
 */
import { pyRound } from './python-compat';
import { pyStrip } from './python-compat';

export interface SetScores {
  f1: number;
  precision: number;
  recall: number;
}

/** F1 of two sets as the official `f1_score`: 0 (not NaN) whenever a denominator is 0. */
export function setF1<T>(gt: Iterable<T>, pred: Iterable<T>): SetScores {
  const g = new Set(gt);
  const p = new Set(pred);
  let tp = 0;
  for (const x of p) if (g.has(x)) tp++;
  const fp = p.size - tp;
  const fn = g.size - tp;
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * (precision * recall)) / (precision + recall) : 0;
  return { f1, precision, recall };
}

/**
 * Attribute text -> pairs, as `extract_attributes(text, verbose=False)`: split on ",",
 * keep parts with exactly one ":", trim key and value. A repeated key keeps its first
 * position and its last value (Python dict assignment).
 */
export function parseAttributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(',')) {
    const pair = pyStrip(raw);
    const parts = pair.split(':');
    if (parts.length !== 2) continue;
    out.set(pyStrip(parts[0]), pyStrip(parts[1]));
  }
  return out;
}

export interface AttributeScores {
  attributeF1: number;
  valueF1: number;
  relativeValueAcc: number;
  attributePrecision: number;
  attributeRecall: number;
  valuePrecision: number;
  valueRecall: number;
}

export function attributeScores(gt: Readonly<Record<string, string>>, pred: ReadonlyMap<string, string>): AttributeScores {
  const attr = setF1(Object.keys(gt), pred.keys());
  const value = setF1(
    Object.entries(gt).map(([k, v]) => `${k}:${v}`),
    [...pred].map(([k, v]) => `${k}:${v}`),
  );
  const relativeValueAcc = attr.precision > 0 ? pyRound(value.precision / attr.precision, 2) : 0;
  return {
    attributeF1: attr.f1,
    valueF1: value.f1,
    relativeValueAcc,
    attributePrecision: attr.precision,
    attributeRecall: attr.recall,
    valuePrecision: value.precision,
    valueRecall: value.recall,
  };
}
