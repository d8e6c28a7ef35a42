// What a run records so its report can say exactly what produced it: the model's revision (a
// hash of the weights it ran), the prompt templates' hash, the command line.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TextGenerator } from '../../common';
import { cacheDir, sha256Files } from '../../common/node';
import type { Pathway } from '../../pathways';
import { LocalGenerator } from '../backends';
import { writeFileAtomic } from '../atomic-write';
import { pathwayTemplateHash, type RunSpec } from '../runlog';

export interface ModelProvenance {
  /** `sha256:<hex>` of the ONNX graph followed by its external-data files; absent for remote backends. */
  revision?: string;
  /** The weights' dtype as resolved (q4, fp16, ...). */
  dtype?: string;
  /** In-process engines: exact or fast numerics (tokens of the two modes may differ). */
  numerics?: 'exact' | 'fast';
}

/** The in-process engine's model files, hashed; a remote server's model is only known by name. */
export async function modelProvenance(generator: TextGenerator): Promise<ModelProvenance> {
  if (!(generator instanceof LocalGenerator)) return {};
  const { onnxPath, externalData, dtype } = generator.model;
  return { revision: `sha256:${await cachedFilesSha256([onnxPath, ...externalData])}`, dtype, numerics: generator.numerics };
}

/**
 * sha256 over the files' bytes in order. Weights run to gigabytes, so a digest is kept in the
 * cache keyed by the files' paths, sizes and modification times, and recomputed when any changes.
 */
async function cachedFilesSha256(files: readonly string[]): Promise<string> {
  const key = files.map((f) => {
    const st = statSync(f);
    return `${path.resolve(f)}|${st.size}|${st.mtimeMs}`;
  });
  const cacheFile = cacheDir('file-hashes.json');
  const cache = await readCache(cacheFile);
  const id = key.join('\n');
  if (cache[id]) return cache[id];
  const digest = await sha256Files(files);
  cache[id] = digest;
  try {
    writeFileAtomic(cacheFile, JSON.stringify(cache));
  } catch {
    // An unwritable cache costs a rehash next time, not the run.
  }
  return digest;
}

async function readCache(file: string): Promise<Record<string, string>> {
  if (!existsSync(file)) return {};
  try {
    const json = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof json === 'object' && json !== null ? (json as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** The command line as typed (argv after the node binary), for the report's manifest. */
export function commandLine(argv: readonly string[] = process.argv): string {
  const [, script, ...args] = argv;
  const name = script && /ipdialog(\.mjs)?$/.test(script) ? 'ipdialog' : (script ?? '');
  return [name, ...args].map(shellQuote).join(' ');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** What run.json's spec records of the model and the prompts besides the settings. */
export async function specProvenance(generator: TextGenerator, pathways: readonly Pathway[]): Promise<Pick<RunSpec, 'model_revision' | 'dtype' | 'numerics' | 'pathway_templates'>> {
  const model = await modelProvenance(generator);
  const templates = await Promise.all(pathways.map(async (p) => [p.id, await pathwayTemplateHash(p)] as const));
  return {
    ...(model.revision && { model_revision: model.revision }),
    ...(model.dtype && { dtype: model.dtype }),
    ...(model.numerics && { numerics: model.numerics }),
    pathway_templates: Object.fromEntries(templates),
  };
}
