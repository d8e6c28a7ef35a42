import type { InferenceSession } from 'onnxruntime-common';
import { IpdError } from '../../common';
import type { ModelConfig } from '../../models';
import { assembleCore, checkConfigAgainstGraph, deviceOutputNames, probeLean, type CoreTuning } from '../assemble-core';
import { dtypeComputesInFp16 } from '../device-features';
import type { EngineCore } from '../engine-core';
import { inspectDecoder, type DecoderIo } from '../graph/decoder-io';
import { rewriteLean, type LeanIo, type LeanTarget } from '../graph/lean-graph';
import { concatChunks, parseModel } from '../graph/onnx-model';
import type { ModelRunner } from '../model-runner';
import { createWebSession, loadOrtWeb, pickBackend, type OrtWeb, type WasmPaths, type WebBackend, type WebDeviceChoice } from './ort-web';
import type { ReadProgress } from './model-files';
import type { WebModelFolder } from './resolve-model';

export interface WebCoreOptions extends CoreTuning {
  /** Rewrite the graph for lean steps (default on). */
  lean?: boolean;
  device?: WebDeviceChoice;
  /** WASM threads (default: the machine's cores, when the page is cross-origin isolated). */
  threads?: number;
  wasmPaths?: WasmPaths;
  /** The tokenizer's pad id, as the Node side prefers it over config.json's. */
  padTokenId?: number;
  onProgress?: (p: ReadProgress) => void;
}

export interface LoadedWebCore {
  core: EngineCore;
  runner: ModelRunner;
  session: InferenceSession;
  /** Frees the core's device memory and the session. */
  release(): Promise<void>;
  backend: WebBackend;
  lean: boolean;
  notes: string[];
}

interface Graph {
  bytes: Uint8Array;
  io: DecoderIo;
  lean?: LeanIo;
}

/**
 * The browser twin of node-host/load-core.ts: same checks, same runner, same probe-and-fall-back
 * of the lean graph, but the graph is rewritten in memory (no cache folder) and the session
 * comes from onnxruntime-web on WebGPU or WASM.
 */
export async function loadWebCore(folder: WebModelFolder, opts: WebCoreOptions = {}): Promise<LoadedWebCore> {
  const { files, onnxFile } = folder;
  // Before a byte of the graph is read: an fp16 model on WebGPU needs the adapter's shader-f16.
  const backend = await pickBackend(opts.device ?? 'auto', opts.threads, dtypeComputesInFp16(folder.dtype) ? `${onnxFile} (${folder.dtype})` : undefined);
  const ort = await loadOrtWeb(opts.wasmPaths, backend.threads);
  const original = await files.bytes(onnxFile, opts.onProgress);
  const externalData = await Promise.all(
    folder.externalData.map(async (f) => ({ path: f.slice(f.lastIndexOf('/') + 1), data: await files.bytes(f, opts.onProgress) })),
  );
  const plain = readGraph(original, onnxFile, folder.config);
  const leanGraph = (opts.lean ?? true) ? toLean(plain, folder.config, backend.device === 'webgpu' ? 'device' : 'host') : undefined;
  if (!leanGraph) return build(ort, plain, folder, backend, externalData, opts);
  const loaded = await build(ort, leanGraph, folder, backend, externalData, opts);
  // The rewrite assumes the usual export shapes; one tiny step proves it on this graph.
  const problem = await probeLean(loaded.runner, folder.config.vocabSize);
  if (!problem) return loaded;
  await loaded.release();
  const fallback = await build(ort, plain, folder, backend, externalData, opts);
  fallback.notes.push(`lean graph rejected (${problem}); running the export as it is`);
  return fallback;
}

function readGraph(bytes: Uint8Array, file: string, config: ModelConfig): Graph & { model: ReturnType<typeof parseModel> } {
  let model: ReturnType<typeof parseModel>;
  try {
    model = parseModel(bytes);
  } catch (err) {
    throw new IpdError('MODEL_INVALID', `${file} is not a readable ONNX model: ${(err as Error).message}`, {
      file,
      hint: 'the file may be truncated; download it again',
      cause: err,
    });
  }
  const io = inspectDecoder(model, file);
  checkConfigAgainstGraph(config, io, file);
  return { bytes, io, model };
}

function toLean(plain: ReturnType<typeof readGraph>, config: ModelConfig, target: LeanTarget): Graph | undefined {
  if (plain.model.opsetVersion < 10) return undefined;
  const { chunks, lean } = rewriteLean(plain.model, plain.io, config, target);
  return { bytes: concatChunks(chunks), io: plain.io, lean };
}

async function build(
  ort: OrtWeb,
  graph: Graph,
  folder: WebModelFolder,
  backend: WebBackend,
  externalData: { path: string; data: Uint8Array }[],
  opts: WebCoreOptions,
): Promise<LoadedWebCore> {
  const { io, lean } = graph;
  const session = await createWebSession(ort, graph.bytes, { device: backend.device, deviceOutputs: deviceOutputNames(io, lean), externalData });
  const { core, runner } = assembleCore({
    session,
    Tensor: ort.Tensor as never,
    io,
    lean,
    config: folder.config,
    device: backend.device,
    padTokenId: opts.padTokenId,
    tuning: opts,
    createDeviceSession: (bytes, outputs) => createWebSession(ort, bytes, { device: backend.device, deviceOutputs: outputs }),
  });
  const release = async () => {
    await core.dispose();
    await session.release();
  };
  return { core, runner, session, release, backend, lean: Boolean(lean), notes: [...(lean?.notes ?? [])] };
}
