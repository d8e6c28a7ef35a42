// The engine worker: hosts one WebEngine (onnxruntime-web or WebLLM) off the page's thread,
// since ORT's steps block the thread they run on.
import { IpdError } from '../../../common';
import { OrtWebEngine } from './ort-engine';
import type { FromWorker, ToWorker } from './protocol';
import type { WebEngine } from './web-engine';
import { WebLlmEngine } from './web-llm-engine';

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);
let engine: WebEngine | undefined;

self.addEventListener('message', (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  void handle(msg).catch((err) => post({ kind: 'error', id: msg.id, payload: IpdError.from(err).toRecord() }));
});

// Anything thrown outside a handled message (a failed ORT thread, say) still reaches the page.
self.addEventListener('unhandledrejection', (ev: PromiseRejectionEvent) => {
  post({ kind: 'error', payload: IpdError.from(ev.reason).toRecord() });
});

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.kind) {
    case 'load': {
      if (engine) throw new IpdError('INTERNAL', 'this engine worker already holds a model');
      const onProgress = (p: { text: string; fraction?: number }) => post({ kind: 'progress', id: msg.id, payload: p });
      engine = msg.payload.backend === 'onnx' ? await OrtWebEngine.create(msg.payload, onProgress) : await WebLlmEngine.create(msg.payload, onProgress);
      post({ kind: 'loaded', id: msg.id, payload: engine.info });
      return;
    }
    case 'generate': {
      const r = await requireEngine().generate(msg.payload, { onText: (delta) => post({ kind: 'text', id: msg.id, payload: delta }) });
      post({ kind: 'result', id: msg.id, payload: r });
      return;
    }
    case 'abort':
      requireEngine().abort(msg.payload);
      return;
    case 'dispose':
      await engine?.dispose();
      engine = undefined;
      post({ kind: 'disposed', id: msg.id });
      return;
  }
}

function requireEngine(): WebEngine {
  if (!engine) throw new IpdError('INTERNAL', 'the engine worker has no model loaded');
  return engine;
}
