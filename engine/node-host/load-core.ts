import { IpdError } from '../../common';
import type { InferenceSession } from 'onnxruntime-common';
import type { ModelConfig } from '../../models';
import { assembleCore, checkConfigAgainstGraph, deviceOutputNames, probeLean, type CoreTuning } from '../assemble-core';
import { graphComputesInFp16, shaderF16Missing } from '../device-features';
import type { DecoderIo } from '../graph/decoder-io';
import type { EngineCore } from '../engine-core';
import type { ModelRunner } from '../model-runner';
import type { Numerics } from '../graph/lean-graph';
import type { DeviceName } from '../types';
import path from 'node:path';
import os from 'node:os';
import type { LmHeadScreen } from '../lm-head-screen';
import { prepareGraph } from './lean-model';
import { int8Levels } from './int8-levels';
import type { Int8Levels } from '../graph/fast-numerics';
import { createScreen, verifyScreen } from './screen-setup';
import { createGraphSession, createSession, loadOrt, webgpuHasShaderF16, type DeviceChoice } from './ort-session';

/**
 * Most rows decoding together in Node when not asked (the browser keeps the scheduler's 32):
 * all five pathways of 10 items (50 requests) then decode as one batch instead of 32 and a
 * tail of 18, 9% less time for the benchmark's workload (q4, 4-layer Qwen shape, 2 cores);
 * per-row step cost falls a little further to 64 rows (2.09 -> 1.97 ms).
 */
export const NODE_MAX_BATCH = 64;

/**
 * The decoding batch's KV cache in host memory when not asked: 40% of RAM. The benchmark's
 * models never reach it (the 24-layer Qwen2.5-0.5B holds 25 KB a position in fp32: 64 rows of
 * 1,500 positions are 2.4 GB); a 3B model with 8 KV heads (229 KB a position) would need 22 GB
 * for the same batch, and runs with fewer rows instead.
 */
export function defaultKvCacheBytes(): number {
  return Math.floor(0.4 * os.totalmem());
}

export interface CoreOptions extends CoreTuning {
  device?: DeviceChoice;
  threads?: number;
  /** Rewrite the graph for lean steps (default on); off runs the export as it is. */
  lean?: boolean;
  /**
   * `exact` (default): greedy tokens identical to transformers.js on the same file. `fast`:
   * int8 matrix products (results change; see the README).
   */
  numerics?: Numerics;
  /**
   * Exact mode on the CPU: screen the LM head in int8 and rescore candidates exactly (same
   * tokens, a quarter of the head's work). Default on; off computes the float head in the graph.
   */
  screenHead?: boolean;
  /** Largest int8 weight level of integer products; default: what this machine sums exactly (int8Levels). */
  intLevels?: Int8Levels;
  /** Write onnxruntime's per-op trace to files starting with this prefix (profiling runs). */
  profilePrefix?: string;
}

/** Plain data describing a model to load: what models/ resolved, minus the tokenizer. */
export interface CoreModelSpec {
  onnxPath: string;
  externalData: string[];
  config: ModelConfig;
  padTokenId?: number;
}

export interface LoadedCore {
  /** The graph file the session runs. */
  graphFile: string;
  core: EngineCore;
  runner: ModelRunner;
  device: DeviceName;
  lean: boolean;
  notes: string[];
  session: InferenceSession;
  /** Frees the core's device memory and the session. */
  release(): Promise<void>;
}

export async function loadCore(spec: CoreModelSpec, opts: CoreOptions = {}): Promise<LoadedCore> {
  const lean = opts.lean ?? true;
  const loaded = await loadWith(spec, opts, lean);
  if (!lean || !loaded.lean) return loaded;
  // The rewrite assumes the usual export shapes; one tiny step proves it on this graph.
  const problem = await probeLean(loaded.runner, spec.config.vocabSize);
  if (!problem) return loaded;
  await loaded.release();
  // Fast numerics live in the rewrite: there is nothing to fall back to.
  if (opts.numerics === 'fast') throw new IpdError('MODEL_INVALID', `--numerics fast: the rewritten graph of ${spec.onnxPath} does not run (${problem})`, { file: spec.onnxPath, hint: 'use --numerics exact' });
  const plain = await loadWith(spec, opts, false);
  plain.notes.push(`lean graph rejected (${problem}); running the export as it is`);
  return plain;
}

async function loadWith(spec: CoreModelSpec, opts: CoreOptions, lean: boolean): Promise<LoadedCore> {
  const wantScreen = lean && (opts.device ?? 'cpu') === 'cpu' && (opts.numerics ?? 'exact') === 'exact' && opts.screenHead !== false;
  // WebGPU feeds present.* back as past; everywhere else the engine keeps the cache itself.
  const onHost = opts.device !== 'webgpu';
  // Integer products (the screen, fast numerics) run on the CPU: their weight range is this CPU's.
  const intLevels = lean && onHost && (wantScreen || opts.numerics === 'fast') ? (opts.intLevels ?? (await int8Levels())) : undefined;
  const graph = await prepareGraph(spec.onnxPath, spec.externalData, lean, spec.config, onHost ? 'host' : 'device', opts.numerics, { screenHead: wantScreen, intLevels, cpuKernels: (opts.device ?? 'cpu') === 'cpu' });
  let screen: LmHeadScreen | undefined;
  if (graph.lean?.screen) {
    const made = await createScreen(graph.lean.screen, graph.dir!, opts.threads);
    if (typeof made === 'string') {
      const plain = await loadWith(spec, { ...opts, screenHead: false }, lean);
      plain.notes.push(`LM head not screened: ${made}`);
      return plain;
    }
    screen = made;
  }
  checkConfigAgainstGraph(spec.config, graph.io, spec.onnxPath);
  if (opts.device === 'webgpu') await checkWebgpuFeatures(graph.io, spec.onnxPath);
  const { session, device } = await createSession(graph.path, {
    device: opts.device ?? 'cpu',
    threads: opts.threads,
    deviceOutputs: deviceOutputNames(graph.io, graph.lean),
    externalData: graph.externalData,
    profilePrefix: opts.profilePrefix,
  });
  const ort = await loadOrt();
  const { core, runner } = assembleCore({
    session,
    Tensor: ort.Tensor as never,
    io: graph.io,
    lean: graph.lean,
    config: spec.config,
    device,
    padTokenId: spec.padTokenId,
    tuning: { ...opts, maxBatch: opts.maxBatch ?? NODE_MAX_BATCH, kvCacheBytes: opts.kvCacheBytes ?? defaultKvCacheBytes() },
    createDeviceSession: (bytes, outputs) => createGraphSession(bytes, device, outputs),
    screen,
    createExactHead: screen && (async () => (await createSession(path.join(graph.dir!, graph.lean!.screen!.headGraph!), { device: 'cpu', threads: opts.threads })).session),
  });
  const release = async () => {
    await core.dispose();
    await runner.release();
    await session.release();
    screen?.release();
  };
  if (screen) {
    // The screen's error bound, checked on real steps of this model before it is trusted.
    const problem = await verifyScreen(runner, screen, spec.config.vocabSize);
    if (problem) {
      await release();
      const plain = await loadWith(spec, { ...opts, screenHead: false }, lean);
      plain.notes.push(`LM head not screened: ${problem}`);
      return plain;
    }
  }
  return { core, device, lean: Boolean(graph.lean), notes: [...(graph.lean?.notes ?? [])], session, runner, release, graphFile: graph.path };
}

/**
 * An fp16 graph on WebGPU needs the adapter's shader-f16: checked before the session loads
 * the weights. `hasShaderF16` asks the device (tests pass their own).
 */
export async function checkWebgpuFeatures(io: Pick<DecoderIo, 'kvDtype' | 'logitsDtype'>, model: string, hasShaderF16: () => Promise<boolean | undefined> = webgpuHasShaderF16): Promise<void> {
  if (!graphComputesInFp16(io)) return;
  if ((await hasShaderF16()) === false) {
    throw shaderF16Missing(model, undefined, 'use an fp32 or q4 file instead (--dtype fp32 or --dtype q4: they compute in fp32), or --device cpu');
  }
}
