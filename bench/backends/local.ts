import { IpdError, type TextGenerator, type TextRequest, type TextResult } from '../../common';
import { createLlmEngine, type EngineOptions } from '../../engine/node';
import type { LlmEngine } from '../../engine';
import type { ResolvedModel } from '../../models/node';

export type PromptMode = 'chat' | 'raw';

/**
 * The in-process engine as a TextGenerator: chat messages go through the model's chat
 * template, raw prompts through the tokenizer's default encoding.
 */
export class LocalGenerator implements TextGenerator {
  private constructor(
    readonly engine: LlmEngine,
    readonly model: ResolvedModel,
    readonly promptMode: PromptMode,
  ) {}

  static async create(model: ResolvedModel, opts: EngineOptions & { promptMode?: PromptMode } = {}): Promise<LocalGenerator> {
    return new LocalGenerator(await createLlmEngine(model, opts), model, opts.promptMode ?? 'chat');
  }

  get modelId(): string {
    return this.model.id;
  }

  get device(): string {
    return this.engine.info.device;
  }

  get description(): string {
    const i = this.engine.info;
    return `ort-node ${i.device}${i.lean ? ' (lean graph)' : ''}, ${this.model.dtype}`;
  }

  /** Token ids of a request as the engine will see them. */
  encode(req: Pick<TextRequest, 'messages' | 'prompt'>): number[] {
    const tok = this.engine.tokenizer;
    if (req.messages) return tok.encodeChat(req.messages);
    if (req.prompt === undefined) throw new IpdError('INPUT_INVALID', 'a request needs messages or a prompt');
    return this.promptMode === 'chat' ? tok.encodeChat([{ role: 'user', content: req.prompt }]) : tok.encode(req.prompt);
  }

  async generate(req: TextRequest, opts: { onText?: (delta: string) => void } = {}): Promise<TextResult> {
    const t0 = performance.now();
    const promptTokenIds = this.encode(req);
    const r = await this.engine.generate({
      requestId: req.id,
      promptTokenIds,
      sampling: { maxNewTokens: req.maxNewTokens, temperature: req.temperature, topP: req.topP, topK: req.topK, seed: req.seed },
      stopStrings: req.stop,
      onText: opts.onText,
    });
    return {
      text: r.text,
      finishReason: r.finishReason,
      promptTokens: r.numPromptTokens,
      completionTokens: r.tokenIds.length,
      tokenIds: r.tokenIds,
      cachedTokens: r.numCachedTokens,
      latencyMs: performance.now() - t0,
      ...(r.error && { error: r.error.message }),
    };
  }

  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}
