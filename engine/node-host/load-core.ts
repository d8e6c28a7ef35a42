import type { InferenceSession } from 'onnxruntime-common';
import { IpdError } from '../../common';
import type { ModelConfig } from '../../models';
import { EngineCore, type EngineCoreConfig } from '../engine-core';
import type { DecoderIo } from '../graph/decoder-io';
import { ModelRunner } from '../model-runner';
import type { DeviceName } from '../types';
import { prepareGraph } from './lean-model';
import { createSession, loadOrt, type DeviceChoice } from './ort-session';

export interface CoreOptions {
  device?: DeviceChoice;
  threads?: number;
  /** Rewrite the graph for lean steps (default on); off runs the export as it is. */
  lean?: boolean;
  maxBatch?: number;
  maxPrefillTokens?: number;
  /** Prompts in one prefill group stay within this length ratio (large = any lengths together). */
  lengthRatio?: number;
  minSharedPrefix?: number;
  /** Bytes of prompt-prefix KV kept for reuse; 0 turns prefix reuse off. */
  prefixCacheBytes?: number;
}

/** Plain data describing a model to load: what models/ resolved, minus the tokenizer. */
export interface CoreModelSpec {
  onnxPath: string;
  externalData: string[];
  config: ModelConfig;
  padTokenId?: number;
}

export interface LoadedCore {
  core: EngineCore;
  runner: ModelRunner;
  device: DeviceName;
  lean: boolean;
  notes: string[];
  session: InferenceSession;
}

/** Checks that config.json and the graph agree, naming the field that does not. */
export function checkConfigAgainstGraph(config: ModelConfig, io: DecoderIo, source: string): void {
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

export async function loadCore(spec: CoreModelSpec, opts: CoreOptions = {}): Promise<LoadedCore> {
  const lean = opts.lean ?? true;
  const loaded = await loadWith(spec, opts, lean);
  if (!lean || !loaded.lean) return loaded;
  // The rewrite assumes the usual export shapes; one tiny step proves it on this graph.
  const problem = await probe(loaded.runner, spec.config.vocabSize);
  if (!problem) return loaded;
  await loaded.session.release();
  const plain = await loadWith(spec, opts, false);
  plain.notes.push(`lean graph rejected (${problem}); running the export as it is`);
  return plain;
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

async function loadWith(spec: CoreModelSpec, opts: CoreOptions, lean: boolean): Promise<LoadedCore> {
  const graph = await prepareGraph(spec.onnxPath, spec.externalData, lean, spec.config);
  checkConfigAgainstGraph(spec.config, graph.io, spec.onnxPath);
  // On WebGPU the KV cache stays on the device: present.* are GPU-buffer outputs fed back as past.
  const presents = [...graph.io.layers.flatMap((l) => [l.presentKey, l.presentValue]), ...(graph.lean ? [...graph.lean.newKeys, ...graph.lean.newValues] : [])];
  const { session, device } = await createSession(graph.path, { device: opts.device ?? 'cpu', threads: opts.threads, deviceOutputs: presents, externalData: graph.externalData });
  const ort = await loadOrt();
  const { config } = spec;
  const runner = new ModelRunner({
    session,
    Tensor: ort.Tensor as never,
    io: graph.io,
    lean: graph.lean,
    shape: { numLayers: config.numLayers, kvHeads: graph.io.kvHeads ?? config.numKeyValueHeads, headDim: graph.io.headDim ?? config.headDim, dtype: graph.io.kvDtype },
    vocabSize: config.vocabSize,
    padTokenId: spec.padTokenId ?? config.padTokenId ?? config.eosTokenIds[0] ?? 0,
    kvOnDevice: device === 'webgpu',
  });
  // GroupQueryAttention takes right padding only, where the last prompt position differs per
  // row: prefill groups hold prompts of one length (no padding); on the device path, where
  // rows share one left-padded cache, requests run one at a time.
  const gqa = graph.io.groupQueryAttention;
  const coreConfig: EngineCoreConfig = {
    eosTokenIds: config.eosTokenIds,
    maxContext: config.maxPositionEmbeddings,
    maxBatch: gqa && device === 'webgpu' ? 1 : opts.maxBatch,
    maxPrefillTokens: opts.maxPrefillTokens,
    lengthRatio: gqa ? 1 : opts.lengthRatio,
    minSharedPrefix: opts.minSharedPrefix,
    prefixCacheBytes: opts.prefixCacheBytes,
  };
  return { core: new EngineCore(runner, coreConfig), device, lean: Boolean(graph.lean), notes: [...(graph.lean?.notes ?? [])], session, runner };
}
