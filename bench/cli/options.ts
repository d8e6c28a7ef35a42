// Flag parsers shared by the commands; each turns bad values into a USAGE error.
import { IpdError } from '../../common';

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new IpdError('USAGE', `${name} must be a positive integer (got "${value}")`);
    return n;
  };
}

export function nonNegativeNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new IpdError('USAGE', `${name} must be a non-negative number (got "${value}")`);
    return n;
  };
}
