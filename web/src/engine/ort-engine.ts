import type { TextRequest, TextResult } from '../../../common';
import { generateText } from '../../../engine';
import { createBrowserEngine, loadOrtWeb, type BrowserEngine } from '../../../engine/web';
import type { LoadProgress, LoadRequest, WebEngine, WebEngineInfo } from './web-engine';

type OnnxLoad = Extract<LoadRequest, { backend: 'onnx' }>;

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * The project's own engine (batched, KV-cached, continuous batching) on onnxruntime-web, as
 * a WebEngine. Chat prompts go through the model's chat template exactly as the CLI's
 * LocalGenerator does, so greedy outputs equal `ipdialog generate`.
 */
export class OrtWebEngine implements WebEngine {
  private constructor(
    private readonly loaded: BrowserEngine,
    readonly info: WebEngineInfo,
  ) {}

  static async create(req: OnnxLoad, onProgress: (p: LoadProgress) => void): Promise<OrtWebEngine> {
    onProgress({ text: `checking the model folder ${req.modelId}` });
    const loaded = await createBrowserEngine(req.source, {
      device: req.device,
      dtype: req.dtype,
      threads: req.threads,
      wasmPaths: req.wasmPaths,
      onProgress: (p) => onProgress({ text: `reading ${p.file}: ${mb(p.loadedBytes)}${p.totalBytes ? ` of ${mb(p.totalBytes)}` : ''}`, fraction: p.totalBytes ? p.loadedBytes / p.totalBytes : undefined }),
    });
    const ort = await loadOrtWeb(req.wasmPaths, loaded.backend.threads);
    const { backend, folder, engine } = loaded;
    const info: WebEngineInfo = {
      engine: 'onnxruntime-web',
      device: backend.device,
      threads: backend.threads,
      adapter: backend.adapter,
      reason: backend.reason,
      kvOnDevice: backend.device === 'webgpu',
      lean: engine.info.lean,
      notes: engine.info.notes,
      modelId: req.modelId,
      dtype: folder.dtype,
      packages: { 'onnxruntime-web': ort.env.versions?.web ?? 'unknown' },
    };
    return new OrtWebEngine(loaded, info);
  }

  generate(req: TextRequest & { id: string }, opts: { onText?: (delta: string) => void } = {}): Promise<TextResult> {
    return generateText(this.loaded.engine, req, 'chat', opts);
  }

  abort(requestId: string): void {
    this.loaded.engine.abort(requestId);
  }

  dispose(): Promise<void> {
    return this.loaded.engine.dispose();
  }
}
