import type { TextRequest, TextResult } from '../../../common';
import type { ModelSource, WebDeviceChoice } from '../../../engine/web';
import type { Dtype } from '../../../models';

/** What the page shows about the loaded engine. */
export interface WebEngineInfo {
  /** "onnxruntime-web" or "web-llm". */
  engine: 'onnxruntime-web' | 'web-llm';
  device: 'webgpu' | 'wasm';
  /** WASM threads (1 without cross-origin isolation); 0 where it does not apply. */
  threads: number;
  adapter?: string;
  /** Why this backend (e.g. "no WebGPU adapter, so WASM"). */
  reason: string;
  /** The KV cache stays on the GPU between steps. */
  kvOnDevice: boolean;
  lean: boolean;
  notes: string[];
  modelId: string;
  dtype?: string;
  /** Library versions for the run record. */
  packages: Record<string, string>;
}

/** How to load a model: a transformers.js-layout folder on onnxruntime-web, or an MLC model on WebLLM. */
export type LoadRequest =
  | { backend: 'onnx'; source: ModelSource; modelId: string; device: WebDeviceChoice; dtype?: Dtype | 'auto'; wasmPaths: string; threads?: number }
  | { backend: 'web-llm'; modelId: string; modelUrl: string; modelLibUrl: string };

export interface LoadProgress {
  text: string;
  /** 0..1 when known. */
  fraction?: number;
}

/**
 * The one engine interface of the page, web-llm style: implemented in the worker by the
 * onnxruntime-web engine and by WebLLM, and on the page by the WorkerEngine proxy.
 */
export interface WebEngine {
  readonly info: WebEngineInfo;
  generate(req: TextRequest & { id: string }, opts?: { onText?: (delta: string) => void }): Promise<TextResult>;
  abort(requestId: string): void;
  dispose(): Promise<void>;
}
