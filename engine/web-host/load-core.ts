import type { InferenceSession } from 'onnxruntime-common';
import { IpdError } from '../../common';
import type { ModelConfig } from '../../models';
import { EngineCore } from '../engine-core';
import { inspectDecoder, type DecoderIo } from '../graph/decoder-io';
import { rewriteLean, type LeanIo } from '../graph/lean-graph';
import { concatChunks, parseModel } from '../graph/onnx-model';
import { ModelRunner } from '../model-runner';
import type { CoreOptions } from '../node-host/load-core';
import { createWebSession, loadOrtWeb, pickBackend, type OrtWeb, type WasmPaths, type WebBackend, type WebDeviceChoice } from './ort-web';
import type { ReadProgress } from './model-files';
import type { WebModelFolder } from './resolve-model';

export interface WebCoreOptions extends Omit<CoreOptions, 'device' | 'threads'> {
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
  const backend = await pickBackend(opts.device ?? 'auto', opts.threads);
  const ort = await loadOrtWeb(opts.wasmPaths, backend.threads);
  const { files, onnxFile } = folder;
  const original = await files.bytes(onnxFile, opts.onProgress);
  const externalData = await Promise.all(
    folder.externalData.map(async (f) => ({ path: f.slice(f.lastIndexOf('/') + 1), data: await files.bytes(f, opts.onProgress) })),
  );
  const plain = readGraph(original, onnxFile, folder.config);
  const leanGraph = (opts.lean ?? true) ? toLean(plain, folder.config) : undefined;
  if (!leanGraph) return build(ort, plain, folder, backend, externalData, opts);
  const loaded = await build(ort, leanGraph, folder, backend, externalData, opts);
  // The rewrite assumes the usual export shapes; one tiny step proves it on this graph.
  const problem = await probe(loaded.runner, folder.config.vocabSize);
  if (!problem) return loaded;
  await loaded.session.release();
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

function toLean(plain: ReturnType<typeof readGraph>, config: ModelConfig): Graph | undefined {
  if (plain.model.opsetVersion < 10) return undefined;
  const { chunks, lean } = rewriteLean(plain.model, plain.io, config);
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
  // On WebGPU the KV cache stays on the device: present.* are GPU-buffer outputs fed back as past.
  const presents = [...io.layers.flatMap((l) => [l.presentKey, l.presentValue]), ...(lean ? [...lean.newKeys, ...lean.newValues] : [])];
  const session = await createWebSession(ort, graph.bytes, { device: backend.device, deviceOutputs: presents, externalData });
  const { config } = folder;
  const runner = new ModelRunner({
    session,
    Tensor: ort.Tensor as never,
    io,
    lean,
    shape: { numLayers: config.numLayers, kvHeads: io.kvHeads ?? config.numKeyValueHeads, headDim: io.headDim ?? config.headDim, dtype: io.kvDtype },
    vocabSize: config.vocabSize,
    padTokenId: opts.padTokenId ?? config.padTokenId ?? config.eosTokenIds[0] ?? 0,
    kvOnDevice: backend.device === 'webgpu',
  });
  const core = new EngineCore(runner, {
    eosTokenIds: config.eosTokenIds,
    maxContext: config.maxPositionEmbeddings,
    maxBatch: opts.maxBatch,
    maxPrefillTokens: opts.maxPrefillTokens,
    lengthRatio: opts.lengthRatio,
    minSharedPrefix: opts.minSharedPrefix,
    prefixCacheBytes: opts.prefixCacheBytes,
  });
  return { core, runner, session, backend, lean: Boolean(lean), notes: [...(lean?.notes ?? [])] };
}

// The two helpers below repeat node-host/load-core.ts line for line: that file imports
// node:fs through lean-model.ts, so a browser bundle cannot import it. They belong in a
// browser-safe engine module shared by both hosts.

/** Checks that config.json and the graph agree, naming the field that does not. */
function checkConfigAgainstGraph(config: ModelConfig, io: DecoderIo, source: string): void {
  const mismatch = (field: string, cfg: number, graph: number, what: string) =>
    new IpdError('MODEL_INVALID', `config.json ${field} is ${cfg} but the graph ${source} has ${graph} ${what}`, {
      file: source,
      field,
      hint: 'config.json and onnx/ come from different models',
    });
  if (io.layers.length !== config.numLayers) throw mismatch('num_hidden_layers', config.numLayers, io.layers.length, 'layers of past_key_values');
  if (io.kvHeads !== undefined && io.kvHeads !== config.numKeyValueHeads) throw mismatch('num_key_value_heads', config.numKeyValueHeads, io.kvHeads, 'KV heads');
  if (io.headDim !== undefined && io.headDim !== config.headDim) throw mismatch('head_dim', config.headDim, io.headDim, 'as head size');
}

async function probe(runner: ModelRunner, vocab: number): Promise<string | undefined> {
  try {
    const r = await runner.prefill([[0, 0, 0]], undefined, true);
    for (const t of [...(r.presentKeys ?? []), ...(r.presentValues ?? [])]) t.dispose();
    if (r.logits?.length !== vocab) return `logits of ${r.logits?.length} values for one row`;
    if (!runner.kvOnDevice && r.newKeys[0].length !== 3 * runner.shape.kvHeads * runner.shape.headDim) return 'new KV of unexpected size';
    return undefined;
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}
