// Node-only entry of engine/: loads a model folder onto onnxruntime-node and returns the
// LlmEngine, with the engine core in a worker thread (default) or in this thread.
import { loadTokenizer, type TextTokenizer } from '../models';
import type { ResolvedModel } from '../models/node';
import { CoreLoop, type CoreHandle } from './core-loop';
import { LlmEngine } from './llm-engine';
import { loadCore, type CoreModelSpec, type CoreOptions } from './node-host/load-core';
import { WorkerCoreHandle, type HostKind } from './node-host/worker-handle';

export { loadCore, NODE_MAX_BATCH } from './node-host/load-core';
export type { CoreOptions, CoreModelSpec, LoadedCore } from './node-host/load-core';
export { createSession, CUDA_INSTALL_HINT } from './node-host/ort-session';
export type { DeviceChoice } from './node-host/ort-session';
export { prepareGraph } from './node-host/lean-model';
export { MALLOC_ENV } from './node-host/malloc-env';
export type { HostKind } from './node-host/worker-handle';

export interface EngineOptions extends CoreOptions {
  /** Run the engine core off the main thread (default true). */
  worker?: boolean;
  /**
   * Host of that core: a forked process (default on Linux, where it gets tuned glibc malloc
   * settings and dies with its parent) or a worker thread.
   */
  host?: HostKind;
  tokenizer?: TextTokenizer;
}

/** Padding is masked out, so any id works: the config's pad, else its first EOS. */
export function coreSpecOf(model: ResolvedModel): CoreModelSpec {
  return { onnxPath: model.onnxPath, externalData: model.externalData, config: model.config, padTokenId: model.config.padTokenId };
}

export async function createLlmEngine(model: ResolvedModel, opts: EngineOptions = {}): Promise<LlmEngine> {
  // The tokenizer (main thread) and the session (worker) load at the same time.
  const { tokenizer: given, ...coreOpts } = opts;
  const tokenizerP = given ? Promise.resolve(given) : loadTokenizer(model.dir);
  const spec = coreSpecOf(model);
  // The core's options cross to its thread or process: the tokenizer stays here.
  const handleP: Promise<CoreHandle> =
    (opts.worker ?? true)
      ? WorkerCoreHandle.start(spec, coreOpts, opts.host ?? (process.platform === 'linux' ? 'process' : 'thread'))
      : loadCore(spec, coreOpts).then((loaded) => new CoreLoop(loaded.core, { device: loaded.device, lean: loaded.lean, notes: loaded.notes, graphFile: loaded.graphFile }, () => loaded.release()));
  const [handle, tokenizer] = await Promise.allSettled([handleP, tokenizerP]);
  if (handle.status === 'fulfilled' && tokenizer.status === 'fulfilled') return new LlmEngine(handle.value, tokenizer.value);
  // When only one side failed, the other is stopped: a started core's process would keep
  // this one alive after the error (the CLI printed it and hung).
  if (handle.status === 'fulfilled') await handle.value.dispose();
  throw handle.status === 'rejected' ? handle.reason : (tokenizer as PromiseRejectedResult).reason;
}
