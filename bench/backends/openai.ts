import { IpdError, type EndpointStats, type TextGenerator, type TextRequest, type TextResult } from '../../common';
import { DEFAULT_MAX_CONCURRENCY, type EndpointConfig } from './endpoint-config';
import { EndpointClient } from './endpoint-client';
import { DEFAULT_HEALTH_POLICY } from './endpoint-health';
import { Fleet } from './fleet';
import type { PromptMode } from './local';
import { checkEndpoints } from './startup-checks';

export interface OpenAIBackendOptions {
  /** One server (as before fleets); or `endpoints`. */
  baseUrl?: string;
  apiKey?: string;
  /** Several servers of the same model; the run is spread over them. */
  endpoints?: EndpointConfig[];
  /** Model name sent in each request; default: the first of GET /models on the first endpoint. */
  model?: string;
  /** Most requests in flight per endpoint that sets no max. */
  concurrency?: number;
  /**
   * How a request with a bare `prompt` is sent: 'chat' (default) as one user message to
   * /chat/completions, like the local engine's default; 'raw' to /completions.
   */
  promptMode?: PromptMode;
  /** Failed attempts (429/5xx/timeouts/connection errors) a request may have before the run stops. */
  maxRetries?: number;
  /** Back-off after a failure: this, doubling with each failure in a row (or what Retry-After says). */
  retryBaseMs?: number;
  timeoutMs?: number;
  /** Failures in a row that put an endpoint in cooldown, and the first cooldown's length. */
  failuresBeforeCooldown?: number;
  cooldownMs?: number;
  /** How long every endpoint may be down before the waiting requests fail (the run stops, resumable). */
  downTimeoutMs?: number;
  /** Refuse to start when endpoints differ (model, canary answer) or do not answer. */
  strictEndpoints?: boolean;
  /** Start-up warnings (default: stderr). */
  log?: (line: string) => void;
}

// The start-up probe retries briefly: a server that is still starting gets a moment, an
// absent one is reported in seconds rather than after the full back-off.
const PROBE_RETRIES = 2;
export const DEFAULT_DOWN_TIMEOUT_MS = 120_000;

/** Greedy and short: the same weights, chat template and quantization give the same text. */
const CANARY: TextRequest = {
  id: 'canary',
  messages: [{ role: 'user', content: 'List the four seasons of the year, in order, separated by commas.' }],
  maxNewTokens: 16,
  temperature: 0,
  seed: 0,
};

/**
 * Runs requests against OpenAI-compatible servers (vLLM, SGLang, llama.cpp, TGI, `ipdialog
 * serve`): one, or a fleet serving the same model, through one shared queue.
 */
export class OpenAIGenerator implements TextGenerator {
  private constructor(
    private readonly fleet: Fleet,
    readonly modelId: string,
    private readonly urls: string[],
  ) {}

  /** Checks the servers answer (and accept the key) before any work is queued. */
  static async create(opts: OpenAIBackendOptions): Promise<OpenAIGenerator> {
    const configs = opts.endpoints ?? (opts.baseUrl ? [{ url: opts.baseUrl.replace(/\/+$/, ''), maxConcurrency: opts.concurrency ?? DEFAULT_MAX_CONCURRENCY, weight: 1, apiKey: opts.apiKey }] : []);
    if (configs.length === 0) throw new IpdError('USAGE', '--backend openai needs --base-url, --endpoint or --endpoints', { hint: 'e.g. --endpoint http://127.0.0.1:8000/v1' });
    const promptMode = opts.promptMode ?? 'chat';
    const timeoutMs = opts.timeoutMs ?? 600_000;
    const retryBaseMs = opts.retryBaseMs ?? DEFAULT_HEALTH_POLICY.retryBaseMs;
    const endpoints = configs.map((config) => ({ config, client: new EndpointClient({ url: config.url, apiKey: config.apiKey, timeoutMs, promptMode }) }));
    const canary = promptMode === 'raw' ? { ...CANARY, messages: undefined, prompt: CANARY.messages![0].content } : CANARY;
    const { model, members } = await checkEndpoints(endpoints, {
      model: opts.model,
      strict: opts.strictEndpoints ?? false,
      canary,
      probeRetries: Math.min(PROBE_RETRIES, opts.maxRetries ?? PROBE_RETRIES),
      retryBaseMs,
      log: opts.log ?? ((line) => process.stderr.write(`${line}\n`)),
    });
    const fleet = new Fleet(members, {
      model,
      maxRetries: opts.maxRetries ?? 5,
      downTimeoutMs: opts.downTimeoutMs ?? DEFAULT_DOWN_TIMEOUT_MS,
      health: {
        ...DEFAULT_HEALTH_POLICY,
        retryBaseMs,
        ...(opts.failuresBeforeCooldown !== undefined && { failuresBeforeCooldown: opts.failuresBeforeCooldown }),
        ...(opts.cooldownMs !== undefined && { cooldownMs: opts.cooldownMs }),
      },
      probe: { ...canary, id: 'probe', maxNewTokens: 1 },
      probeTimeoutMs: Math.min(timeoutMs, 30_000),
    });
    return new OpenAIGenerator(fleet, model, members.map((m) => m.config.url));
  }

  get description(): string {
    return this.urls.length === 1 ? `openai-compatible ${this.urls[0]}` : `openai-compatible ${this.urls.length} endpoints: ${this.urls.join(', ')}`;
  }

  generate(req: TextRequest): Promise<TextResult> {
    return this.fleet.submit(req);
  }

  endpointStats(): EndpointStats[] {
    return this.fleet.stats();
  }

  async dispose(): Promise<void> {
    this.fleet.close();
  }
}
