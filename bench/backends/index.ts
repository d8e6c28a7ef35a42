import { IpdError, type TextGenerator } from '../../common';
import type { EngineOptions } from '../../engine/node';
import { resolveModel } from '../../models/node';
import type { Dtype } from '../../models';
import { LocalGenerator, type PromptMode } from './local';
import { resolveEndpoints } from './endpoint-config';
import { OpenAIGenerator } from './openai';
import { TransformersJsGenerator } from './transformersjs';

export { LocalGenerator } from './local';
export type { PromptMode } from './local';
export { OpenAIGenerator, DEFAULT_DOWN_TIMEOUT_MS } from './openai';
export type { OpenAIBackendOptions } from './openai';
export { parseEndpointSpec, readEndpointsFile, resolveEndpoints } from './endpoint-config';
export type { EndpointConfig } from './endpoint-config';
export { TransformersJsGenerator, TransformersJsReference } from './transformersjs';
export type { IdRequest, ReferenceOptions, ReferenceStats } from './transformersjs';

export interface BackendConfig {
  backend: 'ort' | 'openai' | 'transformersjs';
  model?: string;
  dtype?: Dtype | 'auto';
  offline?: boolean;
  engine?: EngineOptions;
  baseUrl?: string;
  /** `--endpoint URL[,max=N][,weight=W]` values and an `--endpoints` file: a fleet of servers. */
  endpointSpecs?: string[];
  endpointsFile?: string;
  strictEndpoints?: boolean;
  downTimeoutMs?: number;
  apiKey?: string;
  concurrency?: number;
  /** transformersjs: prompts per static batch. */
  refBatch?: number;
  promptMode?: PromptMode;
}

/** The generator a command runs on: the in-process engine, or an OpenAI-compatible server. */
export async function openGenerator(cfg: BackendConfig): Promise<TextGenerator> {
  if (cfg.backend === 'openai') {
    const endpoints = resolveEndpoints({ specs: cfg.endpointSpecs, file: cfg.endpointsFile, baseUrl: cfg.baseUrl, apiKey: cfg.apiKey, defaultMax: cfg.concurrency });
    if (endpoints.length === 0) {
      throw new IpdError('USAGE', '--backend openai needs --base-url, --endpoint or --endpoints', { hint: 'e.g. --base-url http://127.0.0.1:8000/v1' });
    }
    return OpenAIGenerator.create({ endpoints, model: cfg.model, promptMode: cfg.promptMode, strictEndpoints: cfg.strictEndpoints, downTimeoutMs: cfg.downTimeoutMs });
  }
  if (cfg.endpointSpecs?.length || cfg.endpointsFile) throw new IpdError('USAGE', '--endpoint and --endpoints need --backend openai');
  if (!cfg.model) throw new IpdError('USAGE', '--model is required', { hint: 'a local model folder or a Hugging Face id' });
  const model = await resolveModel(cfg.model, { dtype: cfg.dtype, offline: cfg.offline });
  if (cfg.backend === 'transformersjs') {
    const device = cfg.engine?.device;
    if (device === 'auto') throw new IpdError('USAGE', '--backend transformersjs needs an explicit --device (cpu, cuda or webgpu)');
    return TransformersJsGenerator.create(model, { batchSize: cfg.refBatch, threads: cfg.engine?.threads, device: device as 'cpu' | 'cuda' | 'webgpu' | undefined, promptMode: cfg.promptMode });
  }
  return LocalGenerator.create(model, { ...cfg.engine, promptMode: cfg.promptMode });
}
