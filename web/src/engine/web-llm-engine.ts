import { IpdError, type TextRequest, type TextResult } from '../../../common';
import type { LoadProgress, LoadRequest, WebEngine, WebEngineInfo } from './web-engine';

type WebLlmLoad = Extract<LoadRequest, { backend: 'web-llm' }>;
type MLCEngine = import('@mlc-ai/web-llm').MLCEngine;

/**
 * Optional backend: an MLC-compiled model on @mlc-ai/web-llm (WebGPU only), behind the same
 * WebEngine interface. It needs the MLC weights folder URL and the compiled model library
 * (.wasm) URL; it returns text, not token ids, and runs one request at a time. The tests do
 * not exercise it (no MLC model is available offline).
 */
export class WebLlmEngine implements WebEngine {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly mlc: MLCEngine,
    readonly info: WebEngineInfo,
  ) {}

  static async create(req: WebLlmLoad, onProgress: (p: LoadProgress) => void): Promise<WebLlmEngine> {
    if (!(globalThis.navigator as { gpu?: unknown } | undefined)?.gpu) {
      throw new IpdError('DEVICE_UNAVAILABLE', 'WebLLM needs WebGPU and this browser has none', { hint: 'use a WebGPU browser, or the ONNX backend (it falls back to WASM)' });
    }
    const webllm = await import('@mlc-ai/web-llm');
    let mlc: MLCEngine;
    try {
      mlc = await webllm.CreateMLCEngine(req.modelId, {
        appConfig: { model_list: [{ model: req.modelUrl, model_id: req.modelId, model_lib: req.modelLibUrl }] },
        initProgressCallback: (r) => onProgress({ text: r.text, fraction: r.progress }),
      });
    } catch (err) {
      throw new IpdError('MODEL_NOT_FOUND', `WebLLM cannot load ${req.modelId}: ${(err as Error).message}`, {
        hint: 'the weights URL must hold an MLC model (mlc-chat-config.json, params shards) and the library URL its compiled .wasm',
        cause: err,
      });
    }
    const info: WebEngineInfo = {
      engine: 'web-llm',
      device: 'webgpu',
      threads: 0,
      reason: 'WebLLM runs on WebGPU only',
      kvOnDevice: true,
      lean: false,
      notes: [],
      modelId: req.modelId,
      packages: { '@mlc-ai/web-llm': 'bundled' },
    };
    return new WebLlmEngine(mlc, info);
  }

  generate(req: TextRequest & { id: string }, opts: { onText?: (delta: string) => void } = {}): Promise<TextResult> {
    // WebLLM serves one completion at a time; queue the rest behind it.
    const run = this.queue.then(() => this.generateNow(req, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async generateNow(req: TextRequest, opts: { onText?: (delta: string) => void }): Promise<TextResult> {
    const t0 = performance.now();
    const messages = req.messages ?? [{ role: 'user' as const, content: req.prompt ?? '' }];
    const stream = await this.mlc.chat.completions.create({
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: req.maxNewTokens,
      temperature: req.temperature ?? 0,
      ...(req.topP !== undefined && { top_p: req.topP }),
      ...(req.seed !== undefined && { seed: req.seed }),
      ...(req.stop?.length && { stop: req.stop }),
    });
    let text = '';
    let finish: TextResult['finishReason'] = 'stop';
    let promptTokens = 0;
    let completionTokens = 0;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      const delta = choice?.delta?.content ?? '';
      if (delta) {
        text += delta;
        opts.onText?.(delta);
      }
      if (choice?.finish_reason) finish = choice.finish_reason === 'length' ? 'length' : choice.finish_reason === 'abort' ? 'abort' : 'stop';
      if (chunk.usage) {
        promptTokens = chunk.usage.prompt_tokens;
        completionTokens = chunk.usage.completion_tokens;
      }
    }
    return { text, finishReason: finish, promptTokens, completionTokens, latencyMs: performance.now() - t0 };
  }

  abort(): void {
    void this.mlc.interruptGenerate();
  }

  async dispose(): Promise<void> {
    await this.mlc.unload();
  }
}
