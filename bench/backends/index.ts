import { IpdError, type TextGenerator } from '../../common';
import type { EngineOptions } from '../../engine/node';
import { resolveModel } from '../../models/node';
import type { Dtype } from '../../models';
import { LocalGenerator, type PromptMode } from './local';
import { OpenAIGenerator } from './openai';

export { LocalGenerator } from './local';
export type { PromptMode } from './local';
export { OpenAIGenerator } from './openai';

export interface BackendConfig {
  backend: 'ort' | 'openai';
  model?: string;
  dtype?: Dtype | 'auto';
  offline?: boolean;
  engine?: EngineOptions;
  baseUrl?: string;
  apiKey?: string;
  concurrency?: number;
  promptMode?: PromptMode;
}

/** The generator a command runs on: the in-process engine, or an OpenAI-compatible server. */
export async function openGenerator(cfg: BackendConfig): Promise<TextGenerator> {
  if (cfg.backend === 'openai') {
    if (!cfg.baseUrl) throw new IpdError('USAGE', '--backend openai needs --base-url', { hint: 'e.g. --base-url http://127.0.0.1:8000/v1' });
    return OpenAIGenerator.create({ baseUrl: cfg.baseUrl, apiKey: cfg.apiKey, model: cfg.model, concurrency: cfg.concurrency, promptMode: cfg.promptMode });
  }
  if (!cfg.model) throw new IpdError('USAGE', '--model is required', { hint: 'a local model folder or a Hugging Face id' });
  const model = await resolveModel(cfg.model, { dtype: cfg.dtype, offline: cfg.offline });
  return LocalGenerator.create(model, { ...cfg.engine, promptMode: cfg.promptMode });
}
