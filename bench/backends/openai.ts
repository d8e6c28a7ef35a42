import { IpdError, type TextGenerator, type TextRequest, type TextResult } from '../../common';

export interface OpenAIBackendOptions {
  baseUrl: string;
  apiKey?: string;
  /** Model name sent in each request; default: the first of GET /models. */
  model?: string;
  /** Most requests in flight at once. */
  concurrency?: number;
  /** Attempts per request on 429/5xx/network errors, with exponential back-off. */
  maxRetries?: number;
  retryBaseMs?: number;
  timeoutMs?: number;
}

interface ChatChoice {
  message?: { content?: string | null };
  text?: string;
  finish_reason?: string | null;
}

/** Runs requests against an OpenAI-compatible server (vLLM, llama.cpp, TGI, `ipdialog serve`). */
export class OpenAIGenerator implements TextGenerator {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  readonly modelId: string;

  private constructor(
    private readonly opts: Required<Omit<OpenAIBackendOptions, 'apiKey' | 'model'>> & { apiKey?: string },
    model: string,
  ) {
    this.modelId = model;
  }

  static async create(opts: OpenAIBackendOptions): Promise<OpenAIGenerator> {
    const full = {
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
      apiKey: opts.apiKey,
      concurrency: opts.concurrency ?? 8,
      maxRetries: opts.maxRetries ?? 5,
      retryBaseMs: opts.retryBaseMs ?? 500,
      timeoutMs: opts.timeoutMs ?? 600_000,
    };
    let model = opts.model;
    if (!model) {
      const res = await fetchJson(full, 'GET', '/models');
      const first = (res as { data?: Array<{ id: string }> }).data?.[0]?.id;
      if (!first) throw new IpdError('SERVER_ERROR', `${full.baseUrl}/models lists no model`, { hint: 'pass the model name with --model' });
      model = first;
    }
    return new OpenAIGenerator(full, model);
  }

  get description(): string {
    return `openai-compatible ${this.opts.baseUrl}`;
  }

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.opts.concurrency) await new Promise<void>((r) => this.queue.push(r));
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
      const chat = req.messages !== undefined;
      const body = {
        model: this.modelId,
        ...(chat ? { messages: req.messages } : { prompt: req.prompt }),
        max_tokens: req.maxNewTokens,
        temperature: req.temperature ?? 0,
        ...(req.topP !== undefined && { top_p: req.topP }),
        ...(req.seed !== undefined && { seed: req.seed }),
        ...(req.stop?.length && { stop: req.stop }),
      };
      const res = (await fetchJson(this.opts, 'POST', chat ? '/chat/completions' : '/completions', body)) as {
        choices?: ChatChoice[];
        usage?: { prompt_tokens?: number; completion_tokens?: number };
      };
      const choice = res.choices?.[0];
      if (!choice) throw new IpdError('SERVER_ERROR', `${this.opts.baseUrl}: response without choices`);
      const fr = choice.finish_reason;
      return {
        text: (chat ? choice.message?.content : choice.text) ?? '',
        finishReason: fr === 'length' ? 'length' : fr === 'stop' || fr === 'eos' || !fr ? 'stop' : 'stop',
        promptTokens: res.usage?.prompt_tokens ?? 0,
        completionTokens: res.usage?.completion_tokens ?? 0,
        latencyMs: performance.now() - t0,
      };
    });
  }

  async dispose(): Promise<void> {}
}

async function fetchJson(
  opts: { baseUrl: string; apiKey?: string; maxRetries: number; retryBaseMs: number; timeoutMs: number },
  method: 'GET' | 'POST',
  route: string,
  body?: unknown,
): Promise<unknown> {
  const url = `${opts.baseUrl}${route}`;
  let lastErr = '';
  for (let attempt = 0; attempt <= opts.maxRetries; attempt++) {
    if (attempt > 0) await sleep(opts.retryBaseMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', ...(opts.apiKey && { authorization: `Bearer ${opts.apiKey}` }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      lastErr = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      continue;
    }
    if (res.ok) return res.json();
    const text = await res.text().catch(() => '');
    lastErr = `HTTP ${res.status}: ${text.slice(0, 300)}`;
    // Client errors other than rate limits will not get better by retrying.
    if (res.status < 500 && res.status !== 429 && res.status !== 408) {
      throw new IpdError('SERVER_ERROR', `${method} ${url} failed: ${lastErr}`, { hint: res.status === 401 ? 'pass --api-key' : undefined });
    }
  }
  throw new IpdError('SERVER_ERROR', `${method} ${url} failed after ${opts.maxRetries + 1} attempts: ${lastErr}`, {
    hint: 'is the server running and reachable? check --base-url',
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
