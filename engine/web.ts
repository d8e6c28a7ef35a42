// Browser entry of engine/: loads a transformers.js-layout model folder (from a URL or the
// files of a picked folder) onto onnxruntime-web (WebGPU when the browser has an adapter,
// else multi-threaded WASM) and returns the same LlmEngine the Node side uses. Meant to run
// inside a Web Worker: ORT's steps block the thread they run on.
import type { Dtype } from '../models';
import { CoreLoop, type CoreInfo } from './core-loop';
import { LlmEngine } from './llm-engine';
import { loadWebCore, type WebCoreOptions } from './web-host/load-core';
import { openModelFiles, type ModelSource } from './web-host/model-files';
import type { WebBackend } from './web-host/ort-web';
import { resolveWebModel, type WebModelFolder } from './web-host/resolve-model';
import { createTokenizer } from './web-host/tokenizer';

export { openModelFiles } from './web-host/model-files';
export type { ModelSource, ModelFiles, ReadProgress } from './web-host/model-files';
export { resolveWebModel } from './web-host/resolve-model';
export type { WebModelFolder } from './web-host/resolve-model';
export { pickBackend, loadOrtWeb, createWebSession } from './web-host/ort-web';
export type { WebBackend, WebDeviceChoice, WasmPaths, OrtWeb } from './web-host/ort-web';
export { loadWebCore } from './web-host/load-core';
export type { WebCoreOptions, LoadedWebCore } from './web-host/load-core';
export { createTokenizer } from './web-host/tokenizer';

export interface BrowserEngineOptions extends WebCoreOptions {
  dtype?: Dtype | 'auto';
}

export interface BrowserEngine {
  engine: LlmEngine;
  folder: WebModelFolder;
  backend: WebBackend;
}

/** Checks the folder, builds the tokenizer, loads the graph and starts the engine loop in this thread. */
export async function createBrowserEngine(source: ModelSource, opts: BrowserEngineOptions = {}): Promise<BrowserEngine> {
  const files = openModelFiles(source);
  const folder = await resolveWebModel(files, { dtype: opts.dtype });
  const tokenizer = await createTokenizer(folder.tokenizerJson, folder.tokenizerConfig, files.label);
  const loaded = await loadWebCore(folder, { ...opts, padTokenId: opts.padTokenId ?? tokenizer.padTokenId ?? folder.config.padTokenId });
  const info: CoreInfo = { device: loaded.backend.device, lean: loaded.lean, notes: loaded.notes };
  const loop = new CoreLoop(loaded.core, info, () => loaded.release());
  return { engine: new LlmEngine(loop, tokenizer), folder, backend: loaded.backend };
}
