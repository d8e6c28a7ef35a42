import type { InferenceSession } from 'onnxruntime-common';
import { IpdError } from '../../common';
import { SHADER_F16, shaderF16Missing } from '../device-features';

/** onnxruntime-web's WebGPU build: the native WebGPU EP and the WASM EP in one asyncify binary. */
export type OrtWeb = typeof import('onnxruntime-web/webgpu');

export type WebDeviceChoice = 'auto' | 'webgpu' | 'wasm';

/** What the browser gave us: the device, WASM threads, and the GPU adapter's name when there is one. */
export interface WebBackend {
  device: 'webgpu' | 'wasm';
  threads: number;
  adapter?: string;
  /** Why it is this backend (shown on the page). */
  reason: string;
}

/** Where the app serves ort-wasm-simd-threaded.asyncify.{mjs,wasm}: a folder URL, or each file's URL. */
export type WasmPaths = string | { mjs?: string; wasm?: string };

interface GpuAdapterLike {
  features?: { has(name: string): boolean };
  info?: { vendor?: string; architecture?: string; description?: string };
}

interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

async function findAdapter(): Promise<{ name: string; features: { has(name: string): boolean } } | undefined> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return undefined;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return undefined;
    const i = adapter.info ?? {};
    const name = [i.vendor, i.architecture, i.description].filter(Boolean).join(' ') || 'unnamed adapter';
    return { name, features: adapter.features ?? new Set<string>() };
  } catch {
    return undefined;
  }
}

/**
 * WebGPU when the browser hands out an adapter, else WASM. WASM threads need cross-origin
 * isolation (SharedArrayBuffer); without it ORT would silently run one thread, so say so.
 * `fp16Model` names a model that computes in fp16: it needs the adapter's shader-f16, asked
 * here before anything loads (`auto` then takes WASM, `webgpu` fails).
 */
export async function pickBackend(choice: WebDeviceChoice, threads?: number, fp16Model?: string): Promise<WebBackend> {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency ?? 1;
  const numThreads = isolated ? Math.max(1, Math.min(threads ?? cores, 16)) : 1;
  const threadNote = isolated ? '' : ' (the page is not cross-origin isolated, so WASM runs one thread)';
  let why = choice === 'wasm' ? 'WASM was chosen' : 'no WebGPU adapter, so WASM';
  if (choice !== 'wasm') {
    const adapter = await findAdapter();
    const lacksF16 = adapter !== undefined && fp16Model !== undefined && !adapter.features.has(SHADER_F16);
    if (adapter && !lacksF16) return { device: 'webgpu', threads: numThreads, adapter: adapter.name, reason: `WebGPU adapter: ${adapter.name}` };
    if (choice === 'webgpu') {
      if (lacksF16) throw shaderF16Missing(fp16Model, adapter.name, 'choose an fp32 or q4 model (they compute in fp32), or WASM');
      throw new IpdError('DEVICE_UNAVAILABLE', 'this browser offers no WebGPU adapter', {
        hint: 'use a WebGPU browser (Chrome/Edge 113+; on Linux start Chromium with --enable-unsafe-webgpu), or choose WASM',
      });
    }
    if (lacksF16) why = `the WebGPU adapter (${adapter.name}) lacks ${SHADER_F16}, which this fp16 model needs, so WASM`;
  }
  return { device: 'wasm', threads: numThreads, reason: `${why}${threadNote}` };
}

let ortPromise: Promise<OrtWeb> | undefined;

/** Imports onnxruntime-web once per worker and points it at the app's own WASM files. */
export function loadOrtWeb(wasmPaths: WasmPaths | undefined, threads: number): Promise<OrtWeb> {
  ortPromise ??= (async () => {
    const mod = (await import('onnxruntime-web/webgpu')) as OrtWeb & { default?: OrtWeb };
    const ort = mod.default ?? mod;
    // Set before the first session: the WASM runtime starts once, with these settings.
    if (wasmPaths) ort.env.wasm.wasmPaths = wasmPaths;
    ort.env.wasm.numThreads = threads;
    // We are already in a worker; ORT's own proxy worker would only add copies.
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'error';
    return ort;
  })();
  return ortPromise;
}

export interface WebSessionOptions {
  device: 'webgpu' | 'wasm';
  /** Outputs kept on the GPU (the KV cache), so steps never read it back. */
  deviceOutputs?: readonly string[];
  /** External weights by the file name the graph refers to. */
  externalData?: readonly { path: string; data: Uint8Array }[];
}

export async function createWebSession(ort: OrtWeb, graph: Uint8Array, opts: WebSessionOptions): Promise<InferenceSession> {
  const keep = opts.device === 'webgpu' ? Object.fromEntries((opts.deviceOutputs ?? []).map((n) => [n, 'gpu-buffer' as const])) : undefined;
  try {
    const session = await ort.InferenceSession.create(graph, {
      executionProviders: [opts.device],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(keep && { preferredOutputLocation: keep }),
      ...(opts.externalData?.length && { externalData: opts.externalData.map((e) => ({ path: e.path, data: e.data })) }),
    });
    return session as unknown as InferenceSession;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new IpdError('DEVICE_UNAVAILABLE', `onnxruntime-web cannot create a ${opts.device} session: ${msg.split('\n')[0]}`, {
      hint: opts.device === 'webgpu' ? 'choose WASM instead; some graphs use operators the WebGPU provider lacks' : undefined,
      cause: err,
    });
  }
}
