// The run's whole-file outputs (spec, groups, final datasets, stats), each written to a
// temporary file and renamed into place, so a crash never leaves half a file behind.
import { writeFileAtomic, writeJsonAtomic } from '../atomic-write';
import { existsSync, readFileSync } from 'node:fs';
import { IpdError } from '../../common';
import { UserAttrGroupSchema, attributeGroupViolations, sampleAttributeGroups, type AttributeGroup, type Task } from '../../pathways';
import { readJsonl } from '../jsonl-log';

/** What decides the generated text; a rerun with a different spec would mix two runs. */
export interface DatagenSpec {
  version: 1;
  model: string;
  tasks: Task[];
  attributeGroups: number;
  subjectsPerDomain: number;
  maxDomains: number | null;
  maxRetries: number;
  regenerateEvery: number;
  seed: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
}

export { writeJsonAtomic };

export function writeJsonlAtomic(file: string, records: readonly unknown[]): void {
  writeFileAtomic(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** Writes the spec on the first run; later runs must match it. */
export function checkSpec(file: string, spec: DatagenSpec): void {
  if (!existsSync(file)) return writeJsonAtomic(file, spec);
  let old: Record<string, unknown>;
  try {
    old = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new IpdError('RUN_INVALID', `${file} is not valid JSON`, { file, cause: err });
  }
  const differ = Object.keys(spec).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(spec[k as keyof DatagenSpec]));
  if (differ.length) {
    const what = differ.map((k) => `${k}: ${JSON.stringify(old[k])} -> ${JSON.stringify(spec[k as keyof DatagenSpec])}`).join(', ');
    throw new IpdError('RUN_CONFLICT', `${file} was made with other settings (${what})`, {
      file,
      field: differ[0],
      hint: 'rerun with the same settings to resume, or pass a new --out folder',
    });
  }
}

/** The attribute-group pool: sampled once and kept, so resumed steps see the same users. */
export function ensureGroups(file: string, n: number, seed: number): AttributeGroup[] {
  if (existsSync(file)) {
    const { records, tornBytes } = readJsonl<AttributeGroup>(file);
    if (tornBytes === 0 && records.length === n) {
      records.forEach((g, i) => {
        const bad = UserAttrGroupSchema.safeParse(g).success ? attributeGroupViolations(g) : ['not an attribute group'];
        if (bad.length) throw new IpdError('RUN_INVALID', `${file} line ${i + 1}: ${bad.join('; ')}`, { file, line: i + 1 });
      });
      return records;
    }
  }
  const groups = sampleAttributeGroups(n, seed);
  writeJsonlAtomic(file, groups);
  return groups;
}
