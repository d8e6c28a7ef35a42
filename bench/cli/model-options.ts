import { Option, type Command } from 'commander';
import { parseDtype, type Dtype } from '../../models';
import type { BackendConfig } from '../backends';
import { nonNegativeNumber, positiveInt } from './options';

const collect = (value: string, previous: string[]) => [...previous, value];

export interface ModelFlags {
  model?: string;
  backend: 'ort' | 'openai' | 'transformersjs';
  device: 'auto' | 'cpu' | 'cuda' | 'webgpu';
  dtype: Dtype | 'auto';
  threads?: number;
  maxBatch?: number;
  lean: boolean;
  numerics: 'exact' | 'fast';
  refBatch?: number;
  prefixCacheMb?: number;
  kvCacheMb?: number;
  offline?: boolean;
  baseUrl?: string;
  endpoint?: string[];
  endpoints?: string;
  strictEndpoints?: boolean;
  downTimeout?: number;
  apiKey?: string;
  concurrency?: number;
}

/** The model/backend flags shared by run, generate, judge, datagen and serve. */
export function addModelOptions(cmd: Command, { modelRequired = false, prefix = '' } = {}): Command {
  const p = prefix ? `${prefix}-` : '';
  return cmd
    .addOption(new Option(`--${p}model <id-or-dir>`, 'local model folder (transformers.js layout), Hugging Face id, or tiny / tiny:<preset> (a random-weight test model, generated once into the cache)').makeOptionMandatory(modelRequired))
    .addOption(
      new Option('--backend <name>', 'ort: in-process engine; openai: an OpenAI-compatible server; transformersjs: transformers.js generate(), the reference the engine is measured against')
        .choices(['ort', 'openai', 'transformersjs'])
        .default('ort'),
    )
    .addOption(new Option('--device <name>', 'execution provider for the in-process engine').choices(['auto', 'cpu', 'cuda', 'webgpu']).default('cpu'))
    .option('--dtype <dtype>', 'weights: auto, fp32, fp16, q8, q4, q4f16 (picks onnx/model_<suffix>.onnx)', parseDtype, 'auto')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', positiveInt('--threads'))
    .option('--max-batch <n>', 'most requests decoding together (default 64)', positiveInt('--max-batch'))
    .option('--no-lean', 'run the ONNX graph as exported (full logits, full KV copies); for comparisons')
    .addOption(numericsOption())
    .option('--ref-batch <n>', 'with --backend transformersjs: prompts per static batch, sorted by length (default 8)', positiveInt('--ref-batch'))
    .option('--prefix-cache-mb <n>', 'memory for reusable prompt-prefix KV (0 disables)', (v: string) => Number(v))
    .option('--kv-cache-mb <n>', 'memory the decoding batch\'s KV cache may take in host memory; requests wait for rows beyond it (default 40% of RAM)', positiveInt('--kv-cache-mb'))
    .option('--offline', 'never touch the network; hub models must be in the cache')
    .option('--base-url <url>', 'with --backend openai: the server, e.g. http://127.0.0.1:8000/v1')
    .option('--endpoint <url[,max=N][,weight=W]>', 'with --backend openai: one of several servers of the same model (repeat the flag); max: requests in flight there, weight: share of new work when several have room', collect, [])
    .option('--endpoints <file>', 'with --backend openai: a JSON file of servers, {"endpoints": [{"url", "max", "weight", "api_key" or "api_key_env"}]}')
    .option('--strict-endpoints', 'with several endpoints: refuse to start when one serves another model, answers the canary prompt differently or does not answer')
    .option('--down-timeout <s>', 'with --backend openai: seconds every endpoint may be down before the run stops (resumable)', nonNegativeNumber('--down-timeout'))
    .option('--api-key <key>', 'with --backend openai: bearer token (for endpoints that name none)')
    .option('--concurrency <n>', 'with --backend openai: requests in flight per endpoint without max=N (default 8)', positiveInt('--concurrency'));
}

/** `--numerics`, for every command that runs the in-process engine. */
export function numericsOption(): Option {
  return new Option('--numerics <mode>', 'exact: greedy tokens identical to transformers.js on the same file; fast: int8 matrix products on the CPU (faster, tokens may differ; see README)')
    .choices(['exact', 'fast'])
    .default('exact');
}

export function backendConfig(flags: ModelFlags, extra: Partial<BackendConfig> = {}): BackendConfig {
  return {
    backend: flags.backend,
    model: flags.model,
    dtype: flags.dtype,
    offline: flags.offline,
    baseUrl: flags.baseUrl,
    endpointSpecs: flags.endpoint,
    endpointsFile: flags.endpoints,
    strictEndpoints: flags.strictEndpoints,
    downTimeoutMs: flags.downTimeout === undefined ? undefined : flags.downTimeout * 1000,
    apiKey: flags.apiKey,
    concurrency: flags.concurrency,
    refBatch: flags.refBatch,
    engine: {
      device: flags.device,
      threads: flags.threads,
      maxBatch: flags.maxBatch,
      lean: flags.lean,
      numerics: flags.numerics,
      prefixCacheBytes: flags.prefixCacheMb === undefined ? undefined : flags.prefixCacheMb * 1024 * 1024,
      kvCacheBytes: flags.kvCacheMb === undefined ? undefined : flags.kvCacheMb * 1024 * 1024,
    },
    ...extra,
  };
}
