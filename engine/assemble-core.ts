import type { InferenceSession } from 'onnxruntime-common';
import { IpdError } from '../common';
import type { ModelConfig } from '../models';
import { DeviceKvManager } from './device-kv-manager';
import { DeviceKvRows, type DeviceSessionFactory } from './device-kv-rows';
import { EngineCore } from './engine-core';
import { HostKvManager } from './host-kv-manager';
import type { KvCacheManager } from './kv-cache-manager';
import { bytesPerPosition } from './kv-layout';
import type { LmHeadScreen } from './lm-head-screen';
import type { DecoderIo } from './graph/decoder-io';
import type { LeanIo } from './graph/lean-graph';
import { ModelRunner, type RunnerInit } from './model-runner';
import { DEFAULT_SCHEDULER_CONFIG } from './scheduler';

/** Prompt-prefix KV kept for reuse unless a caller says otherwise. */
const DEFAULT_PREFIX_CACHE_BYTES = 512 * 1024 * 1024;

/** Scheduling and cache settings a caller may give; the rest comes from the model. */
export interface CoreTuning {
  maxBatch?: number;
  maxPrefillTokens?: number;
  /** Prompts in one prefill group stay within this length ratio (large = any lengths together). */
  lengthRatio?: number;
  minSharedPrefix?: number;
  /** Bytes of prompt-prefix KV kept for reuse; 0 turns prefix reuse off. */
  prefixCacheBytes?: number;
  /**
   * Bytes the running batch's KV cache in host memory may come to take (the scheduler admits
   * requests within it); unlimited when absent. Not applied to a cache on the GPU.
   */
  kvCacheBytes?: number;
}

/**
 * What the Node and browser hosts share once they have a session: the config-vs-graph
 * check, the runner, the core, and the probe of a lean graph. Browser-safe.
 */
export interface AssembleInput {
  session: InferenceSession;
  Tensor: RunnerInit['Tensor'];
  io: DecoderIo;
  lean?: LeanIo;
  config: ModelConfig;
  /** The device the session runs on: on WebGPU the KV cache stays on the GPU. */
  device: string;
  padTokenId?: number;
  tuning: CoreTuning;
  /** On WebGPU: makes the small sessions that rearrange the cache on the device. */
  createDeviceSession?: DeviceSessionFactory;
  /** With a screened LM head (lean.screen): the exact rescoring, and the exact head for sampling rows. */
  screen?: LmHeadScreen;
  createExactHead?: () => Promise<InferenceSession>;
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

/** Outputs a WebGPU session keeps on the device: the cache, and the new-KV outputs it never reads. */
export function deviceOutputNames(io: DecoderIo, lean?: LeanIo): string[] {
  return [...io.layers.flatMap((l) => [l.presentKey, l.presentValue]), ...(lean ? [...lean.newKeys, ...lean.newValues] : [])];
}

export function assembleCore(input: AssembleInput): { core: EngineCore; runner: ModelRunner } {
  const { io, config, tuning } = input;
  const kvOnDevice = input.device === 'webgpu';
  const runner = new ModelRunner({
    session: input.session,
    Tensor: input.Tensor,
    io,
    lean: input.lean,
    shape: { numLayers: config.numLayers, kvHeads: io.kvHeads ?? config.numKeyValueHeads, headDim: io.headDim ?? config.headDim, dtype: io.kvDtype },
    vocabSize: config.vocabSize,
    // Padding is masked out, so any id works: the pad, else the first EOS.
    padTokenId: input.padTokenId ?? config.padTokenId ?? config.eosTokenIds[0] ?? 0,
    kvOnDevice,
    screen: input.screen,
    createExactHead: input.createExactHead,
  });
  // GroupQueryAttention takes right padding only: it writes each row's new KV after that
  // row's own tokens and reads only each row's length from the mask. Prefill groups hold
  // prompts of one length (it cannot mask padding before a suffix), and on the device the
  // rows sit right-padded from column 0 (DeviceKvBatch).
  const gqa = io.groupQueryAttention;
  const prefixCacheBytes = tuning.prefixCacheBytes ?? DEFAULT_PREFIX_CACHE_BYTES;
  // A prefix the scheduler computes once because it is long enough is reused at that length.
  const minSharedPrefix = tuning.minSharedPrefix ?? DEFAULT_SCHEDULER_CONFIG.minSharedPrefix;
  let kv: KvCacheManager;
  if (kvOnDevice) {
    if (!input.createDeviceSession) throw new IpdError('INTERNAL', 'assembleCore: the device path needs createDeviceSession');
    const rows = new DeviceKvRows(input.createDeviceSession, input.Tensor as never, config.numLayers, io.kvDtype);
    kv = new DeviceKvManager(runner.shape, prefixCacheBytes, rows, gqa ? 'right' : 'left', minSharedPrefix);
  } else kv = new HostKvManager(runner.shape, prefixCacheBytes, minSharedPrefix, tuning.maxBatch ?? DEFAULT_SCHEDULER_CONFIG.maxBatch);
  const core = new EngineCore(runner, kv, {
    eosTokenIds: config.eosTokenIds,
    maxContext: config.maxPositionEmbeddings,
    maxBatch: tuning.maxBatch,
    maxPrefillTokens: tuning.maxPrefillTokens,
    lengthRatio: gqa ? 1 : tuning.lengthRatio,
    minSharedPrefix,
    ...(!kvOnDevice && tuning.kvCacheBytes !== undefined && { maxKvPositions: Math.floor(tuning.kvCacheBytes / bytesPerPosition(runner.shape)) }),
  });
  return { core, runner };
}

/**
 * The lean rewrite assumes the usual export shapes; one tiny step proves it on this graph.
 * Returns what is wrong, or undefined.
 */
export async function probeLean(runner: ModelRunner, vocab: number): Promise<string | undefined> {
  try {
    // A screened head gives no logits unless a row samples (which would load the exact head).
    const screened = Boolean(runner.lean?.screen);
    const r = await runner.prefill([[0, 0, 0]], undefined, !screened);
    for (const t of [...(r.presentKeys ?? []), ...(r.presentValues ?? [])]) t.dispose();
    if (screened) {
      if (r.nextTokens?.length !== 1 || !(Number(r.nextTokens[0]) >= 0 && Number(r.nextTokens[0]) < vocab)) return `a screened pick of ${r.nextTokens?.[0]} for one row`;
    } else if (r.logits?.length !== vocab) return `logits of ${r.logits?.length} values for one row`;
    if (!runner.kvOnDevice && r.newKeys[0].length !== 3 * runner.shape.kvHeads * runner.shape.headDim) return 'new KV of unexpected size';
    return undefined;
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}
