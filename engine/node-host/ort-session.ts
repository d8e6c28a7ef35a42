import type { InferenceSession } from 'onnxruntime-common';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { IpdError } from '../../common';
import type { DeviceName } from '../types';

export type DeviceChoice = DeviceName | 'auto';

export interface SessionOptions {
  device: DeviceChoice;
  /** Intra-op threads; default: all cores. */
  threads?: number;
  /** Output names to keep on the device (WebGPU/CUDA), e.g. the KV cache. */
  deviceOutputs?: readonly string[];
  /** External weight files given to the session in memory (see PreparedGraph). */
  externalData?: ReadonlyArray<{ path: string; file: string }>;
  /** onnxruntime's per-op trace goes to files with this prefix. */
  profilePrefix?: string;
}

export const CUDA_INSTALL_HINT = 'install the CUDA provider once with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node --ignore-scripts=false` (CUDA 12 and cuDNN 9 on the library path)';

export async function loadOrt(): Promise<typeof import('onnxruntime-node')> {
  const mod = await import('onnxruntime-node');
  return ((mod as { default?: unknown }).default ?? mod) as typeof import('onnxruntime-node');
}

function optionsFor(device: DeviceName, opts: SessionOptions): InferenceSession.SessionOptions {
  const threads = opts.threads ?? os.availableParallelism();
  const base: InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    logSeverityLevel: 3,
    ...(opts.profilePrefix && { enableProfiling: true, profileFilePrefix: opts.profilePrefix }),
  };
  if (device === 'cpu') return { ...base, executionProviders: ['cpu'] };
  if (device === 'cuda') return { ...base, executionProviders: [{ name: 'cuda' }, 'cpu'] };
  if (device === 'webgpu') {
    const keep = Object.fromEntries((opts.deviceOutputs ?? []).map((n) => [n, 'gpu-buffer' as const]));
    return { ...base, executionProviders: ['webgpu'], preferredOutputLocation: keep };
  }
  throw new IpdError('DEVICE_UNAVAILABLE', `device "${device}" is not available in Node`, { hint: 'use cpu, cuda or webgpu' });
}

async function tryCreate(ort: typeof import('onnxruntime-node'), modelPath: string, device: DeviceName, opts: SessionOptions): Promise<InferenceSession> {
  try {
    if (opts.externalData?.length) {
      const externalData = await Promise.all(opts.externalData.map(async (d) => ({ path: d.path, data: await readFile(d.file) })));
      return await ort.InferenceSession.create(await readFile(modelPath), { ...optionsFor(device, opts), externalData });
    }
    return await ort.InferenceSession.create(modelPath, optionsFor(device, opts));
  } catch (err) {
    const msg = (err as Error).message;
    if (/protobuf|parse|load model|ModelProto|invalid model/i.test(msg) && !/provider|cuda|webgpu|dawn|adapter/i.test(msg)) {
      throw new IpdError('MODEL_INVALID', `onnxruntime cannot load ${modelPath}: ${msg}`, { file: modelPath, cause: err });
    }
    const hint =
      device === 'cuda'
        ? CUDA_INSTALL_HINT
        : device === 'webgpu'
          ? 'WebGPU needs a Vulkan driver (on a GPU-less Linux: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json from Debian chromium); or use --device cpu'
          : undefined;
    throw new IpdError('DEVICE_UNAVAILABLE', `cannot create an onnxruntime session on ${device}: ${msg.split('\n')[0]}`, { hint, cause: err });
  }
}

/** A session for a small graph built in memory (the device KV row graph), its outputs kept on the device. */
export async function createGraphSession(graph: Uint8Array, device: DeviceName, deviceOutputs: string[]): Promise<InferenceSession> {
  const ort = await loadOrt();
  return ort.InferenceSession.create(graph, optionsFor(device, { device, threads: 1, deviceOutputs }));
}

/** Creates the session on the asked device; `auto` tries CUDA, then CPU, and says which it got. */
export async function createSession(modelPath: string, opts: SessionOptions): Promise<{ session: InferenceSession; device: DeviceName }> {
  const ort = await loadOrt();
  if (opts.device !== 'auto') return { session: await tryCreate(ort, modelPath, opts.device, opts), device: opts.device };
  const cudaBundled = ort.listSupportedBackends?.().some((b) => b.name === 'cuda' && b.bundled);
  if (cudaBundled) {
    try {
      return { session: await tryCreate(ort, modelPath, 'cuda', opts), device: 'cuda' };
    } catch {
      // fall through to the CPU
    }
  }
  return { session: await tryCreate(ort, modelPath, 'cpu', opts), device: 'cpu' };
}
