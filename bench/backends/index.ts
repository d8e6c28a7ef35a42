import { IpdError, type TextGenerator } from '../../common';
import type { EngineOptions } from '../../engine/node';
import { resolveModel } from '../../models/node';
import type { Dtype } from '../../models';
import { LocalGenerator, type PromptMode } from './local';
import { OpenAIGenerator } from './openai';
import { TransformersJsGenerator } from './transformersjs';

export { LocalGenerator } from './local';
export type { PromptMode } from './local';
export { OpenAIGenerator } from './openai';
export { TransformersJsGenerator, TransformersJsReference } from './transformersjs';
export type { IdRequest, ReferenceOptions, ReferenceStats } from './transformersjs';

export interface BackendConfig {
  backend: 'ort' | 'openai' | 'transformersjs';
  model?: string;
  dtype?: Dtype | 'auto';
  offline?: boolean;
  engine?: EngineOptions;
  baseUrl?: string;
  apiKey?: string;
  concurrency?: number;
  /** transformersjs: prompts per static batch. */
  refBatch?: number;
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
  if (cfg.backend === 'transformersjs') {
    const device = cfg.engine?.device;
    if (device === 'auto') throw new IpdError('USAGE', '--backend transformersjs needs an explicit --device (cpu, cuda or webgpu)');
    return TransformersJsGenerator.create(model, { batchSize: cfg.refBatch, threads: cfg.engine?.threads, device: device as 'cpu' | 'cuda' | 'webgpu' | undefined, promptMode: cfg.promptMode });
  }
  return LocalGenerator.create(model, { ...cfg.engine, promptMode: cfg.promptMode });
}
