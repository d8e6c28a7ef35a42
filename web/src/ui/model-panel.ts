import { IpdError } from '../../../common';
import type { WebDeviceChoice } from '../../../engine/web';
import { isDtype, type Dtype } from '../../../models';
import type { LoadRequest, WebEngine } from '../engine/web-engine';
import { WorkerEngine } from '../engine/worker-engine';
import { describeBackend, showBackend } from './backend-badge';
import { byId } from './dom';

/** Where the app serves onnxruntime-web's runtime (web/vite.config.ts, ortRuntime), for any base path. */
const wasmPaths = () => new URL('ort/', document.baseURI).href;

/**
 * The model section: a picked folder, a URL, or an MLC model. Each load starts a fresh
 * engine worker; the previous one is disposed first (one model in memory at a time).
 */
export class ModelPanel {
  engine?: WebEngine;

  constructor(private readonly hooks: { onLoading(): void; onLoaded(engine: WebEngine): void; onError(err: unknown): void }) {
    for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="model-source"]')) {
      radio.addEventListener('change', () => this.showSource(radio.value));
    }
    byId<HTMLInputElement>('model-dir').addEventListener('change', (ev) => {
      const files = [...((ev.target as HTMLInputElement).files ?? [])];
      if (files.length) void this.loadFolder(files);
    });
    byId('load-url').addEventListener('click', () => void this.loadUrl(byId<HTMLInputElement>('model-url').value.trim()));
    byId('load-mlc').addEventListener('click', () => void this.loadMlc());
  }

  private showSource(source: string): void {
    for (const div of document.querySelectorAll<HTMLElement>('#model-panel .source')) div.hidden = div.dataset.source !== source;
  }

  private device(): WebDeviceChoice {
    return byId<HTMLSelectElement>('device').value as WebDeviceChoice;
  }

  private dtype(): Dtype | 'auto' {
    const v = byId<HTMLSelectElement>('dtype').value;
    return isDtype(v) ? v : 'auto';
  }

  loadFolder(files: File[]): Promise<void> {
    const name = files[0]?.webkitRelativePath.split('/')[0] || 'picked folder';
    return this.load({ backend: 'onnx', source: { kind: 'files', files }, modelId: name, device: this.device(), dtype: this.dtype(), wasmPaths: wasmPaths() });
  }

  loadUrl(url: string): Promise<void> {
    if (!url) return Promise.resolve(this.hooks.onError(new IpdError('USAGE', 'enter the URL of a model folder first')));
    return this.load({ backend: 'onnx', source: { kind: 'url', baseUrl: url }, modelId: url, device: this.device(), dtype: this.dtype(), wasmPaths: wasmPaths() });
  }

  private loadMlc(): Promise<void> {
    const v = (id: string) => byId<HTMLInputElement>(id).value.trim();
    const [modelId, modelUrl, modelLibUrl] = [v('mlc-id'), v('mlc-weights'), v('mlc-lib')];
    if (!modelId || !modelUrl || !modelLibUrl) {
      return Promise.resolve(this.hooks.onError(new IpdError('USAGE', 'WebLLM needs a model id, the weights URL and the library URL')));
    }
    return this.load({ backend: 'web-llm', modelId, modelUrl, modelLibUrl });
  }

  private async load(req: LoadRequest): Promise<void> {
    const status = byId('model-status');
    this.hooks.onLoading();
    if (this.engine) {
      const old = this.engine;
      this.engine = undefined;
      showBackend(undefined);
      await old.dispose().catch(() => undefined);
    }
    status.textContent = `Loading ${req.modelId}…`;
    try {
      this.engine = await WorkerEngine.load(req, (p) => (status.textContent = p.text));
      const info = this.engine.info;
      showBackend(info);
      status.textContent = `Loaded ${info.modelId}${info.dtype ? ` (${info.dtype})` : ''} on ${describeBackend(info)} (${[info.reason, ...info.notes].join('; ')}).`;
      this.hooks.onLoaded(this.engine);
    } catch (err) {
      status.textContent = `Could not load ${req.modelId}.`;
      this.hooks.onError(err);
    }
  }
}
