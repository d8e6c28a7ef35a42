import { IpdError, type TextGenerator, type TextRequest, type TextResult } from '../../common';
import type { PromptMode } from './local';

export interface OpenAIBackendOptions {
  baseUrl: string;
  apiKey?: string;
  /** Model name sent in each request; default: the first of GET /models. */
  model?: string;
  /** Most requests in flight at once. */
  concurrency?: number;
  /**
   * How a request with a bare `prompt` is sent: 'chat' (default) as one user message to
   * /chat/completions, like the local engine's default; 'raw' to /completions.
   */
  promptMode?: PromptMode;
  /** Retries per request on 408/429/5xx/network errors, with exponential back-off. */
  maxRetries?: number;
  retryBaseMs?: number;
  timeoutMs?: number;
}

interface Choice {
  message?: { content?: string | null };
  text?: string;
  finish_reason?: string | null;
}

interface CompletionBody {
  choices?: Choice[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } | null };
}

interface HttpOptions {
  baseUrl: string;
  apiKey?: string;
  maxRetries: number;
  retryBaseMs: number;
  timeoutMs: number;
}

/** A non-2xx answer that retrying will not fix. */
interface Refusal {
  status: number;
  message: string;
}

// The start-up probe retries briefly: a server that is still starting gets a moment, an
// absent one is reported in seconds rather than after the full back-off.
const PROBE_RETRIES = 2;
const MAX_BACKOFF_MS = 30_000;

/** Runs requests against an OpenAI-compatible server (vLLM, llama.cpp, TGI, `ipdialog serve`). */
export class OpenAIGenerator implements TextGenerator {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  private constructor(
    private readonly http: HttpOptions,
    readonly modelId: string,
    private readonly concurrency: number,
    private readonly promptMode: PromptMode,
  ) {}

  /** Checks the server answers (and accepts the key) before any work is queued. */
  static async create(opts: OpenAIBackendOptions): Promise<OpenAIGenerator> {
    const http: HttpOptions = {
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
      apiKey: opts.apiKey,
      maxRetries: opts.maxRetries ?? 5,
      retryBaseMs: opts.retryBaseMs ?? 500,
      timeoutMs: opts.timeoutMs ?? 600_000,
    };
    const models = await request(http, 'GET', '/models', undefined, Math.min(PROBE_RETRIES, http.maxRetries));
    let model = opts.model;
    if ('refused' in models) {
      // Some servers have no /models; with the model named, requests may still work.
      if (models.refused.status !== 404 || !model) throw refusalError(http, 'GET', '/models', models.refused);
    } else if (!model) {
      model = (models.json as { data?: Array<{ id: string }> }).data?.[0]?.id;
      if (!model) throw new IpdError('SERVER_ERROR', `${http.baseUrl}/models lists no model`, { hint: 'pass the model name with --model' });
    }
    return new OpenAIGenerator(http, model!, opts.concurrency ?? 8, opts.promptMode ?? 'chat');
  }

  get description(): string {
    return `openai-compatible ${this.http.baseUrl}`;
  }

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }

  generate(req: TextRequest): Promise<TextResult> {
    return this.slot(async () => {
      const t0 = performance.now();
      const messages = req.messages ?? (this.promptMode === 'chat' && req.prompt !== undefined ? [{ role: 'user' as const, content: req.prompt }] : undefined);
      if (!messages && req.prompt === undefined) throw new IpdError('INPUT_INVALID', 'a request needs messages or a prompt');
      const body = {
        model: this.modelId,
        ...(messages ? { messages } : { prompt: req.prompt }),
        max_tokens: req.maxNewTokens,
        // OpenAI's default temperature is 1; ours (and the benchmark's) is greedy.
        temperature: req.temperature ?? 0,
        ...(req.topP !== undefined && { top_p: req.topP }),
        // top_k is not OpenAI's, but vLLM, llama.cpp and ipdialog serve take it.
        ...(req.topK !== undefined && { top_k: req.topK }),
        ...(req.seed !== undefined && { seed: req.seed }),
        ...(req.stop?.length && { stop: req.stop }),
      };
      const route = messages ? '/chat/completions' : '/completions';
      const res = await request(this.http, 'POST', route, body, this.http.maxRetries);
      const latencyMs = performance.now() - t0;
      if ('refused' in res) {
        // Auth and routing problems stop the run; a request the server rejects (too long,
        // bad parameter) is this item's failure, recorded like an engine error.
        if ([401, 403, 404].includes(res.refused.status)) throw refusalError(this.http, 'POST', route, res.refused);
        return { text: '', finishReason: 'error', promptTokens: 0, completionTokens: 0, latencyMs, error: `HTTP ${res.refused.status}: ${res.refused.message}` };
      }
      const json = res.json as CompletionBody;
      const choice = json.choices?.[0];
      if (!choice) throw new IpdError('SERVER_ERROR', `${this.http.baseUrl}${route}: response without choices`);
      const cached = json.usage?.prompt_tokens_details?.cached_tokens;
      return {
        text: (messages ? choice.message?.content : choice.text) ?? '',
        // vLLM reports cancelled requests as 'abort'; everything else ended normally.
        finishReason: choice.finish_reason === 'length' ? 'length' : choice.finish_reason === 'abort' ? 'abort' : 'stop',
        promptTokens: json.usage?.prompt_tokens ?? 0,
        completionTokens: json.usage?.completion_tokens ?? 0,
        ...(cached !== undefined && { cachedTokens: cached }),
        latencyMs,
      };
    });
  }

  async dispose(): Promise<void> {}
}

function refusalError(http: HttpOptions, method: string, route: string, r: Refusal): IpdError {
  const hint =
    r.status === 401 || r.status === 403 ? (http.apiKey ? 'the server rejected --api-key' : 'the server wants --api-key') : r.status === 404 ? 'check --base-url (it usually ends in /v1) and --model' : undefined;
  return new IpdError('SERVER_ERROR', `${method} ${http.baseUrl}${route} failed: HTTP ${r.status}: ${r.message}`, { hint });
}

/** The server's error message: OpenAI's `{error: {message}}`, else the start of the body. */
function errorMessage(text: string): string {
  try {
    const m = (JSON.parse(text) as { error?: { message?: unknown } | string }).error;
    if (typeof m === 'string') return m;
    if (typeof m?.message === 'string') return m.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300);
}

/** Seconds or an HTTP date, as a 429/503 may send it; undefined when absent or unreadable. */
function retryAfterMs(res: Response): number | undefined {
  const v = res.headers.get('retry-after');
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * One JSON request with retries on what may pass (408, 429, 5xx, network errors), honouring
 * Retry-After. Other non-2xx answers come back as a Refusal for the caller to judge; running
 * out of retries throws, naming the last problem.
 */
async function request(http: HttpOptions, method: 'GET' | 'POST', route: string, body: unknown, maxRetries: number): Promise<{ json: unknown } | { refused: Refusal }> {
  const url = `${http.baseUrl}${route}`;
  let lastErr = '';
  let unreachable = false;
  let waitMs = 0;
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    if (attempt > 0) {
      const backoff = http.retryBaseMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
      await sleep(Math.min(MAX_BACKOFF_MS, Math.max(backoff, waitMs)));
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(http.apiKey && { authorization: `Bearer ${http.apiKey}` }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(http.timeoutMs),
      });
    } catch (err) {
      const cause = (err as Error & { cause?: { code?: string } }).cause;
      lastErr = cause?.code ?? (err as Error).message;
      unreachable = cause?.code !== undefined && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT)$/.test(cause.code);
      waitMs = 0;
      continue;
    }
    if (res.ok) return { json: await res.json() };
    const message = errorMessage(await res.text().catch(() => ''));
    if (res.status < 500 && res.status !== 429 && res.status !== 408) return { refused: { status: res.status, message } };
    lastErr = `HTTP ${res.status}: ${message}`;
    unreachable = false;
    waitMs = retryAfterMs(res) ?? 0;
  }
  if (unreachable) {
    throw new IpdError('SERVER_ERROR', `cannot reach the server at ${http.baseUrl} (${lastErr})`, {
      hint: 'is it running? start one with `ipdialog serve --model M`, or check --base-url',
    });
  }
  throw new IpdError('SERVER_ERROR', `${method} ${url} failed after ${maxRetries + 1} attempts: ${lastErr}`, { hint: 'the server keeps failing; check its log' });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
