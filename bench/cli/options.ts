// Flag parsers shared by the commands; each turns bad values into a USAGE error.
import { IpdError } from '../../common';

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new IpdError('USAGE', `${name} must be a positive integer (got "${value}")`);
    return n;
  };
}

/** A comma-separated list of positive integers, e.g. `16,8,32`, in the order given. */
export function positiveIntList(name: string) {
  const one = positiveInt(name);
  return (value: string): number[] => value.split(',').map((v) => one(v.trim()));
}

export function nonNegativeNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new IpdError('USAGE', `${name} must be a non-negative number (got "${value}")`);
    return n;
  };
}
