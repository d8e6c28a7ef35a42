import { IpdError } from '../../common';
import type { RunSpec } from '../runlog';

/** The settings that differ between two specs, as `field: old -> new` lines. */
export function diffSpec(old: RunSpec, next: RunSpec): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(old), ...Object.keys(next)]) as Set<keyof RunSpec>;
  for (const k of keys) {
    const a = JSON.stringify(old[k]);
    const b = JSON.stringify(next[k]);
    if (a !== b) out.push(`${k}: ${a ?? '(unset)'} -> ${b ?? '(unset)'}`);
  }
  return out;
}

export function conflictError(dir: string, diffs: string[]): IpdError {
  return new IpdError('RUN_CONFLICT', `${dir} holds a run with other settings:\n${diffs.map((d) => `  ${d}`).join('\n')}`, {
    file: dir,
    hint: 'use another --out, rerun with the original settings to resume, or pass --force to start this run over',
  });
}
