// One OpenAI-compatible server through the `openai` package: request bodies from
// TextRequests, answers as TextResults, and every failure sorted into what the fleet does
// with it (retry elsewhere, record as the item's failure, or stop).
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, CompletionCreateParamsNonStreaming } from 'openai/resources';
import { IpdError, type TextRequest, type TextResult } from '../../common';
import type { PromptMode } from './local';

/** Why an attempt failed in a way another attempt may fix. */
export type RetryableKind = 'rateLimited' | 'server' | 'timeout' | 'connection';

export type AttemptOutcome =
  | { kind: 'ok'; result: TextResult }
  /** The server refused this request (too long, bad parameter): the item's failure, as an engine error. */
  | { kind: 'rejected'; result: TextResult }
  | { kind: 'retryable'; cause: RetryableKind; problem: string; retryAfterMs?: number; unreachable: boolean }
  /** Auth and routing problems: retrying cannot help, the run stops. */
  | { kind: 'fatal'; error: IpdError }
  | { kind: 'aborted' };

export interface EndpointClientOptions {
  url: string;
  apiKey?: string;
  timeoutMs: number;
  promptMode: PromptMode;
}

// vLLM before its errors were OpenAI-shaped sent `{"object": "error", "message": ...}` at the
// top level, which the package reduces to "status code (no body)"; wrap it as `{error: ...}`.
class CompatClient extends OpenAI {
  protected override makeStatusError(status: number, error: object, message: string | undefined, headers: Headers): APIError {
    const body = error as { error?: unknown; message?: unknown } | undefined;
    const wrapped = body && body.error === undefined && typeof body.message === 'string' ? { error: body } : error;
    return super.makeStatusError(status, wrapped, message, headers);
  }
}

const UNREACHABLE = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT)$/;

export class EndpointClient {
  private readonly client: OpenAI;

  constructor(readonly opts: EndpointClientOptions) {
    this.client = new CompatClient({
      baseURL: opts.url,
      // Always explicit: the package would otherwise send $OPENAI_API_KEY to this server.
      apiKey: opts.apiKey ?? 'none',
      ...(!opts.apiKey && { defaultHeaders: { Authorization: null } }),
      // Retries are the fleet's: a failed request may go to another endpoint.
      maxRetries: 0,
      timeout: opts.timeoutMs,
    });
  }

  get url(): string {
    return this.opts.url;
  }

  /** GET /models: the model ids, or the reason there are none. */
  async listModels(): Promise<{ ids: string[] } | { noRoute: true } | Exclude<AttemptOutcome, { kind: 'ok' | 'rejected' }>> {
    try {
      const page = await this.client.models.list({ timeout: Math.min(this.opts.timeoutMs, 30_000) });
      return { ids: page.data.map((m) => m.id) };
    } catch (err) {
      // Some servers have no /models; with the model named, requests may still work.
      if (err instanceof APIError && err.status === 404) return { noRoute: true };
      const o = this.classify(err, 'GET', '/models');
      if (o.kind === 'rejected') return { kind: 'fatal', error: this.refusal('GET', '/models', err as APIError) };
      return o;
    }
  }

  /** One attempt at a request; never throws. */
  async complete(model: string, req: TextRequest, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<AttemptOutcome> {
    const t0 = performance.now();
    const messages = req.messages ?? (this.opts.promptMode === 'chat' && req.prompt !== undefined ? [{ role: 'user' as const, content: req.prompt }] : undefined);
    if (!messages && req.prompt === undefined) return { kind: 'fatal', error: new IpdError('INPUT_INVALID', 'a request needs messages or a prompt') };
    const common = {
      model,
      max_tokens: req.maxNewTokens,
      // OpenAI's default temperature is 1; ours (and the benchmark's) is greedy.
      temperature: req.temperature ?? 0,
      ...(req.topP !== undefined && { top_p: req.topP }),
      // top_k is not OpenAI's, but vLLM, SGLang, llama.cpp and ipdialog serve take it.
      ...(req.topK !== undefined && { top_k: req.topK }),
      ...(req.seed !== undefined && { seed: req.seed }),
      ...(req.stop?.length && { stop: req.stop }),
    };
    const options = { signal: opts.signal, ...(opts.timeoutMs !== undefined && { timeout: opts.timeoutMs }) };
    const route = messages ? '/chat/completions' : '/completions';
    try {
      let text: string;
      let finish: string | null | undefined;
      let usage: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } | null } | undefined;
      if (messages) {
        const body: ChatCompletionCreateParamsNonStreaming & { top_k?: number } = { ...common, messages };
        const r = await this.client.chat.completions.create(body, options);
        const choice = r.choices?.[0];
        if (!choice) return this.noChoices(route);
        text = choice.message?.content ?? '';
        finish = choice.finish_reason;
        usage = r.usage;
      } else {
        const body: CompletionCreateParamsNonStreaming & { top_k?: number } = { ...common, prompt: req.prompt! };
        const r = await this.client.completions.create(body, options);
        const choice = r.choices?.[0];
        if (!choice) return this.noChoices(route);
        text = choice.text ?? '';
        finish = choice.finish_reason;
        usage = r.usage;
      }
      const cached = usage?.prompt_tokens_details?.cached_tokens;
      return {
        kind: 'ok',
        result: {
          text,
          // vLLM reports cancelled requests as 'abort'; everything else ended normally.
          finishReason: finish === 'length' ? 'length' : (finish as string) === 'abort' ? 'abort' : 'stop',
          promptTokens: usage?.prompt_tokens ?? 0,
          completionTokens: usage?.completion_tokens ?? 0,
          ...(cached !== undefined && cached !== null && { cachedTokens: cached }),
          latencyMs: performance.now() - t0,
        },
      };
    } catch (err) {
      const o = this.classify(err, 'POST', route);
      if (o.kind === 'rejected') {
        const e = err as APIError;
        return { kind: 'rejected', result: { text: '', finishReason: 'error', promptTokens: 0, completionTokens: 0, latencyMs: performance.now() - t0, error: `HTTP ${e.status}: ${apiMessage(e)}` } };
      }
      return o;
    }
  }

  private noChoices(route: string): AttemptOutcome {
    return { kind: 'retryable', cause: 'server', problem: `${this.url}${route}: response without choices`, unreachable: false };
  }

  /** What a thrown value means for the fleet. */
  private classify(err: unknown, method: string, route: string): Exclude<AttemptOutcome, { kind: 'ok' }> | { kind: 'rejected' } {
    if (err instanceof APIUserAbortError) return { kind: 'aborted' };
    if (err instanceof APIConnectionTimeoutError) return { kind: 'retryable', cause: 'timeout', problem: 'timed out', unreachable: false };
    if (err instanceof APIConnectionError) {
      const code = causeCode(err);
      return { kind: 'retryable', cause: 'connection', problem: code ?? err.message, unreachable: code !== undefined && UNREACHABLE.test(code) };
    }
    if (err instanceof APIError && err.status !== undefined) {
      const problem = `HTTP ${err.status}: ${apiMessage(err)}`;
      if (err.status === 429) return { kind: 'retryable', cause: 'rateLimited', problem, retryAfterMs: retryAfterMs(err.headers), unreachable: false };
      if (err.status === 408) return { kind: 'retryable', cause: 'timeout', problem, retryAfterMs: retryAfterMs(err.headers), unreachable: false };
      if (err.status >= 500) return { kind: 'retryable', cause: 'server', problem, retryAfterMs: retryAfterMs(err.headers), unreachable: false };
      if ([401, 403, 404].includes(err.status)) return { kind: 'fatal', error: this.refusal(method, route, err) };
      return { kind: 'rejected' };
    }
    return { kind: 'fatal', error: new IpdError('SERVER_ERROR', `${method} ${this.url}${route}: ${(err as Error).message}`, { cause: err }) };
  }

  private refusal(method: string, route: string, err: APIError): IpdError {
    const s = err.status;
    const hint = s === 401 || s === 403 ? (this.opts.apiKey ? 'the server rejected --api-key' : 'the server wants --api-key') : s === 404 ? 'check the URL (it usually ends in /v1) and --model' : undefined;
    return new IpdError('SERVER_ERROR', `${method} ${this.url}${route} failed: HTTP ${s}: ${apiMessage(err)}`, { hint });
  }
}

/** The server's own message, without the package's status prefix. */
function apiMessage(err: APIError): string {
  const m = (err.error as { message?: unknown } | undefined)?.message;
  if (typeof m === 'string') return m;
  return err.message.replace(/^\d{3} /, '');
}

/** The system error code under a connection error (ECONNREFUSED, ECONNRESET, ...). */
function causeCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** Retry-After-Ms, or Retry-After in seconds or as an HTTP date; undefined when absent. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms)) return Math.max(0, ms);
  const v = headers?.get('retry-after');
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
