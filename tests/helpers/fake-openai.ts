/**
 * A scripted OpenAI-compatible server on loopback: /v1/models and /v1/chat/completions,
 * answering each prompt with `respond(prompt)`. It records what it saw and can call a hook
 * on every request (e.g. to kill a client mid-run), fail requests on purpose and answer slowly.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A failure to send instead of an answer. */
export interface ScriptedFailure {
  status: number;
  headers?: Record<string, string>;
  message?: string;
}

export interface ScriptedOptions {
  /** The n-th completion request (1-based) fails with what this returns, or is answered. */
  fail?: (count: number, prompt: string) => ScriptedFailure | undefined;
  /** Milliseconds before each completion is answered. */
  delayMs?: number;
}

export interface ScriptedServer {
  baseUrl: string;
  /** Prompts of the completion requests, in arrival order (failed ones included). */
  prompts: string[];
  /** Prompts that got an answer (not a failure). */
  answered: string[];
  /** Statuses of the failures sent, in order. */
  failures: number[];
  onRequest?: (count: number, prompt: string) => void;
  close(): Promise<void>;
}

export async function startScriptedServer(respond: (prompt: string) => string, modelId = 'fake-model', opts: ScriptedOptions = {}): Promise<ScriptedServer> {
  const state: ScriptedServer = { baseUrl: '', prompts: [], answered: [], failures: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.end(JSON.stringify({ object: 'list', data: [{ id: modelId, object: 'model' }] }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: Array<{ content: string }> };
      const prompt = body.messages.map((m) => m.content).join('\n');
      state.prompts.push(prompt);
      const count = state.prompts.length;
      state.onRequest?.(count, prompt);
      const failure = opts.fail?.(count, prompt);
      if (failure) {
        state.failures.push(failure.status);
        res.writeHead(failure.status, failure.headers ?? {});
        res.end(JSON.stringify({ error: { message: failure.message ?? `scripted ${failure.status}` } }));
        return;
      }
      const answer = () => {
        if (res.destroyed) return;
        const text = respond(prompt);
        state.answered.push(prompt);
        res.end(
          JSON.stringify({
            id: `c${count}`,
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
            usage: { prompt_tokens: prompt.length >> 2, completion_tokens: text.length >> 2 },
          }),
        );
      };
      if (opts.delayMs) setTimeout(answer, opts.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
