// Node-only entry of engine/: loads a model folder onto onnxruntime-node and returns the
// LlmEngine, with the engine core in a worker thread (default) or in this thread.
import { loadTokenizer, type TextTokenizer } from '../models';
import type { ResolvedModel } from '../models/node';
import { CoreLoop, type CoreHandle } from './core-loop';
import { LlmEngine } from './llm-engine';
import { loadCore, type CoreModelSpec, type CoreOptions } from './node-host/load-core';
import { WorkerCoreHandle } from './node-host/worker-handle';

export { loadCore, checkConfigAgainstGraph } from './node-host/load-core';
export type { CoreOptions, CoreModelSpec, LoadedCore } from './node-host/load-core';
export { createSession, CUDA_INSTALL_HINT } from './node-host/ort-session';
export type { DeviceChoice } from './node-host/ort-session';
export { prepareGraph } from './node-host/lean-model';

export interface EngineOptions extends CoreOptions {
  /** Run the engine core in a worker thread (default true). */
  worker?: boolean;
  tokenizer?: TextTokenizer;
}

export function coreSpecOf(model: ResolvedModel, tokenizer?: TextTokenizer): CoreModelSpec {
  return { onnxPath: model.onnxPath, externalData: model.externalData, config: model.config, padTokenId: tokenizer?.padTokenId ?? model.config.padTokenId };
}

export async function createLlmEngine(model: ResolvedModel, opts: EngineOptions = {}): Promise<LlmEngine> {
  const tokenizer = opts.tokenizer ?? (await loadTokenizer(model.dir));
  const spec = coreSpecOf(model, tokenizer);
  let handle: CoreHandle;
  if (opts.worker ?? true) handle = await WorkerCoreHandle.start(spec, opts);
  else {
    const loaded = await loadCore(spec, opts);
    handle = new CoreLoop(loaded.core, { device: loaded.device, lean: loaded.lean, notes: loaded.notes }, () => loaded.session.release());
  }
  return new LlmEngine(handle, tokenizer);
}
