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
  const graph = await prepareGraph(spec.onnxPath, spec.externalData, lean);
  checkConfigAgainstGraph(spec.config, graph.io, spec.onnxPath);
  const { session, device } = await createSession(graph.path, { device: opts.device ?? 'cpu', threads: opts.threads });
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
  });
  const coreConfig: EngineCoreConfig = {
    eosTokenIds: config.eosTokenIds,
    maxContext: config.maxPositionEmbeddings,
    maxBatch: opts.maxBatch,
    maxPrefillTokens: opts.maxPrefillTokens,
    lengthRatio: opts.lengthRatio,
    minSharedPrefix: opts.minSharedPrefix,
    prefixCacheBytes: opts.prefixCacheBytes,
  };
  return { core: new EngineCore(runner, coreConfig), device, lean: Boolean(graph.lean), notes: graph.lean?.notes ?? [], session };
}
