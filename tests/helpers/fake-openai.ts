/**
 * A scripted OpenAI-compatible server on loopback: /v1/models and /v1/chat/completions,
 * answering each prompt with `respond(prompt)`. It records what it saw and can call a hook
 * on every request (e.g. to kill a client mid-run).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedServer {
  baseUrl: string;
  prompts: string[];
  onRequest?: (count: number, prompt: string) => void;
  close(): Promise<void>;
}

export async function startScriptedServer(respond: (prompt: string) => string, modelId = 'fake-model'): Promise<ScriptedServer> {
  const state: ScriptedServer = { baseUrl: '', prompts: [], close: async () => {} };
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
      state.onRequest?.(state.prompts.length, prompt);
      const text = respond(prompt);
      res.end(
        JSON.stringify({
          id: `c${state.prompts.length}`,
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: { prompt_tokens: prompt.length >> 2, completion_tokens: text.length >> 2 },
        }),
      );
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
