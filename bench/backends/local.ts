import type { TextGenerator, TextRequest, TextResult } from '../../common';
import { encodeTextRequest, generateText, type LlmEngine, type PromptMode } from '../../engine';
import { createLlmEngine, type EngineOptions } from '../../engine/node';
import type { ResolvedModel } from '../../models/node';

export type { PromptMode };

/**
 * The in-process engine as a TextGenerator: chat messages go through the model's chat
 * template, raw prompts through the tokenizer's default encoding.
 */
export class LocalGenerator implements TextGenerator {
  private constructor(
    readonly engine: LlmEngine,
    readonly model: ResolvedModel,
    readonly promptMode: PromptMode,
    readonly numerics: 'exact' | 'fast',
  ) {}

  static async create(model: ResolvedModel, opts: EngineOptions & { promptMode?: PromptMode } = {}): Promise<LocalGenerator> {
    return new LocalGenerator(await createLlmEngine(model, opts), model, opts.promptMode ?? 'chat', opts.numerics ?? 'exact');
  }

  get modelId(): string {
    return this.model.id;
  }

  get device(): string {
    return this.engine.info.device;
  }

  get description(): string {
    const i = this.engine.info;
    const details = [i.lean && 'lean graph', this.numerics === 'fast' && 'fast numerics'].filter(Boolean).join(', ');
    return `ort-node ${i.device}${details ? ` (${details})` : ''}, ${this.model.dtype}`;
  }

  /** Token ids of a request as the engine will see them. */
  encode(req: Pick<TextRequest, 'messages' | 'prompt'>): number[] {
    return encodeTextRequest(this.engine.tokenizer, req, this.promptMode);
  }

  generate(req: TextRequest, opts: { onText?: (delta: string) => void } = {}): Promise<TextResult> {
    return generateText(this.engine, req, this.promptMode, opts);
  }

  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}
