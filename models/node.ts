// Node-only entry of models/: resolving local folders and hub ids to files on disk.
import { existsSync } from 'node:fs';
import { IpdError } from '../common';
import { looksLikeHubId, resolveHubModel, type HubOptions } from './hub';
import { isGeneratedModelName, resolveGeneratedModel, resolveModelFolder } from './resolve';
import type { ResolvedModel } from './resolve';

export { resolveModelFolder, resolveGeneratedModel, isGeneratedModelName, pickOnnxFile } from './resolve';
export { ensureTinyModel } from './tiny-cache';
export type { EnsureTinyModelOptions } from './tiny-cache';
export type { ResolvedModel, ResolveModelOptions } from './resolve';
export type { HubOptions } from './hub';
export { MODEL_PRESETS, hubCacheStatus, looksLikeHubId, resolveHubModel, type ModelPreset, type HubCacheStatus, type DownloadProgress, type DownloadProgressEvent } from './hub';

/** A local folder when one exists at that path, then `tiny` / `tiny:<preset>` (generated), otherwise a Hugging Face id. */
export async function resolveModel(idOrDir: string, opts: HubOptions = {}): Promise<ResolvedModel> {
  if (existsSync(idOrDir)) return resolveModelFolder(idOrDir, opts);
  if (isGeneratedModelName(idOrDir)) return resolveGeneratedModel(idOrDir, opts);
  if (looksLikeHubId(idOrDir)) return resolveHubModel(idOrDir, opts);
  throw new IpdError('MODEL_NOT_FOUND', `model folder ${idOrDir} does not exist`, {
    file: idOrDir,
    hint: 'pass a local folder in the transformers.js layout, a Hugging Face id like onnx-community/Qwen2.5-0.5B-Instruct, or tiny (a generated test model)',
  });
}
