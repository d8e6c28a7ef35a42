import { IpdError } from '../../common';
import type { RunSpec } from '../runlog';

/**
 * The settings that differ between two specs, as `field: old -> new` lines. A field the old
 * spec lacks was not recorded when that run started (model revision, dtype and template hashes
 * came later): it cannot conflict, and the resumed run records it.
 */
export function diffSpec(old: RunSpec, next: RunSpec): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(old), ...Object.keys(next)]) as Set<keyof RunSpec>;
  for (const k of keys) {
    if (old[k] === undefined && OPTIONAL_SPEC_FIELDS.has(k)) continue;
    const a = JSON.stringify(old[k]);
    const b = JSON.stringify(next[k]);
    if (a !== b) out.push(`${k}: ${a ?? '(unset)'} -> ${b ?? '(unset)'}`);
  }
  return out;
}

const OPTIONAL_SPEC_FIELDS: ReadonlySet<keyof RunSpec> = new Set(['model_revision', 'dtype', 'numerics', 'pathway_templates']);

export function conflictError(dir: string, diffs: string[]): IpdError {
  return new IpdError('RUN_CONFLICT', `${dir} holds a run with other settings:\n${diffs.map((d) => `  ${d}`).join('\n')}`, {
    file: dir,
    hint: 'use another --out, rerun with the original settings to resume, or pass --force to start this run over',
  });
}
