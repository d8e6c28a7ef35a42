// Hugging Face ids: recognising them, the recommended presets, and turning an id into a verified
// folder in transformers.js' cache (models/hub/ holds the parts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { onnxFileName, type Dtype } from './dtype';
import { fetchHubModel } from './hub/fetch-model';
import { stderrProgress, type DownloadProgress } from './hub/progress';
import { hubModelFolder, hubSettings } from './hub/settings';
import { resolveModelFolder, type ResolveModelOptions, type ResolvedModel } from './resolve';

export { MODEL_PRESETS } from './registry';
export type { ModelPreset } from './registry';
export type { DownloadProgress, DownloadProgressEvent } from './hub/progress';

export interface HubOptions extends ResolveModelOptions {
  /** Never touch the network: the model must be in the cache. */
  offline?: boolean;
  /** Branch, tag or commit (default main); other than main caches under <org>/<name>/<revision>/. */
  revision?: string;
  /** Download progress; default: lines on stderr. `false` keeps quiet. */
  progress?: DownloadProgress | false;
}

/** A Hugging Face id: `org/name` (no path separators beyond the one). */
export function looksLikeHubId(s: string): boolean {
  return /^[\w.-]+\/[\w.-]+$/.test(s);
}

/**
 * Resolves a hub id to a model folder in transformers.js' file cache, downloading what is
 * missing (verified, atomic, with progress) unless offline. The result's `dir` is the cache
 * folder, `revision` the commit the files came from.
 */
export async function resolveHubModel(id: string, opts: HubOptions = {}): Promise<ResolvedModel> {
  const settings = await hubSettings({ offline: opts.offline });
  const progress = opts.progress === false ? undefined : (opts.progress ?? stderrProgress());
  const log = opts.progress === false ? () => undefined : undefined;
  const fetched = await fetchHubModel(id, settings, { dtype: opts.dtype, modelFileName: opts.modelFileName, revision: opts.revision, progress, log });
  const resolved = await resolveModelFolder(fetched.folder, { dtype: fetched.dtype, modelFileName: opts.modelFileName });
  return { ...resolved, id, source: 'hub', revision: fetched.revision };
}

export interface HubCacheStatus {
  folder: string;
  /** config.json, the tokenizer and the dtype's graph are all in the cache. */
  cached: boolean;
}

/** Whether a hub model is ready to run offline, looking only at the disk. */
export async function hubCacheStatus(id: string, dtype: Dtype, revision = 'main'): Promise<HubCacheStatus> {
  const { cacheRoot } = await hubSettings();
  const folder = hubModelFolder(cacheRoot, id, revision);
  const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnxFileName(dtype)];
  return { folder, cached: files.every((f) => existsSync(path.join(folder, f))) };
}
