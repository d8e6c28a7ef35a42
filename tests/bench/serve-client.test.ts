// The client backend (OpenAIGenerator) against scripted fake servers: retries, back-off,
// refusals, unreachable servers, and which endpoint a request goes to.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIGenerator } from '../../bench/backends';
import { IpdError } from '../../common';

interface Seen {
  method: string;
  path: string;
  body: Record<string, unknown>;
  auth?: string;
}

type Script = (seen: Seen, res: ServerResponse, numCalls: number) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const completion = (text: string) => ({
  id: 'x',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: text }, text, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 1 } },
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** A fake OpenAI server: GET /v1/models lists "fake"; POSTs go to `script`. */
async function fakeServer(script: Script): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    for await (const c of req) text += c;
    const s: Seen = { method: req.method!, path: req.url!, body: text ? JSON.parse(text) : {}, auth: req.headers.authorization };
    if (req.method === 'GET' && req.url === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'fake', object: 'model' }] });
    seen.push(s);
    script(s, res, seen.length);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen };
}

const ask = { messages: [{ role: 'user' as const, content: 'hi' }], maxNewTokens: 4 };

describe('OpenAIGenerator', () => {
  it('retries a 503 and succeeds on the next answer', async () => {
    const { url, seen } = await fakeServer((_s, res, n) => (n === 1 ? json(res, 503, { error: { message: 'busy' } }) : json(res, 200, completion('hello'))));
    const gen = await OpenAIGenerator.create({ baseUrl: url, retryBaseMs: 5 });
    expect(gen.modelId).toBe('fake');
    const r = await gen.generate(ask);
    expect(r).toMatchObject({ text: 'hello', finishReason: 'stop', promptTokens: 3, completionTokens: 2, cachedTokens: 1 });
    expect(seen).toHaveLength(2);
    expect(seen[1].body).toMatchObject({ model: 'fake', max_tokens: 4, temperature: 0, messages: ask.messages });
  });

  it('waits as long as a 429 Retry-After says', async () => {
    let first = 0;
    const { url } = await fakeServer((_s, res, n) => {
      if (n === 1) {
        first = Date.now();
        return json(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '0.3' });
      }
      json(res, 200, completion(`waited ${Date.now() - first >= 290}`));
    });
    const gen = await OpenAIGenerator.create({ baseUrl: url, retryBaseMs: 1 });
    expect((await gen.generate(ask)).text).toBe('waited true');
  });

  it('gives up after its retries, naming the last error', async () => {
    const { url, seen } = await fakeServer((_s, res) => json(res, 500, { error: { message: 'broken engine' } }));
    const gen = await OpenAIGenerator.create({ baseUrl: url, retryBaseMs: 1, maxRetries: 2 });
    await expect(gen.generate(ask)).rejects.toThrow(/after 3 attempts: HTTP 500: broken engine/);
    expect(seen).toHaveLength(3);
  });

  it("records a request the server refuses as that item's error, without retrying", async () => {
    const { url, seen } = await fakeServer((_s, res) => json(res, 400, { error: { message: "This model's maximum context length is 8192 tokens" } }));
    const gen = await OpenAIGenerator.create({ baseUrl: url, retryBaseMs: 1 });
    const r = await gen.generate(ask);
    expect(r.finishReason).toBe('error');
    expect(r.error).toMatch(/HTTP 400: This model's maximum context length is 8192/);
    expect(seen).toHaveLength(1);
  });

  it('stops on a rejected API key with a hint', async () => {
    const { url } = await fakeServer((_s, res) => json(res, 401, { error: { message: 'bad key' } }));
    const gen = await OpenAIGenerator.create({ baseUrl: url, apiKey: 'k1' });
    const err = await gen.generate(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpdError);
    expect((err as IpdError).hint).toMatch(/rejected --api-key/);
  });

  it('sends the key, and bare prompts as chat (default) or raw completions', async () => {
    const { url, seen } = await fakeServer((_s, res) => json(res, 200, completion('ok')));
    const chat = await OpenAIGenerator.create({ baseUrl: url, apiKey: 'k1', model: 'named' });
    await chat.generate({ prompt: 'p', maxNewTokens: 2, stop: ['\n'], topK: 5, seed: 7 });
    const raw = await OpenAIGenerator.create({ baseUrl: `${url}/`, promptMode: 'raw' });
    await raw.generate({ prompt: 'p', maxNewTokens: 2 });
    expect(seen.map((s) => s.path)).toEqual(['/v1/chat/completions', '/v1/completions']);
    expect(seen[0]).toMatchObject({ auth: 'Bearer k1', body: { model: 'named', messages: [{ role: 'user', content: 'p' }], stop: ['\n'], top_k: 5, seed: 7 } });
    expect(seen[1].body).toMatchObject({ model: 'fake', prompt: 'p' });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let open = 0;
    let most = 0;
    const { url } = await fakeServer((_s, res) => {
      most = Math.max(most, ++open);
      setTimeout(() => {
        open--;
        json(res, 200, completion('ok'));
      }, 20);
    });
    const gen = await OpenAIGenerator.create({ baseUrl: url, concurrency: 3 });
    await Promise.all(Array.from({ length: 10 }, () => gen.generate(ask)));
    expect(most).toBe(3);
  });

  it('reports an unreachable server clearly and quickly', async () => {
    const { url } = await fakeServer(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    const t0 = Date.now();
    const err = await OpenAIGenerator.create({ baseUrl: url, retryBaseMs: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpdError);
    expect((err as IpdError).message).toContain(`cannot reach the server at ${url} (ECONNREFUSED)`);
    expect((err as IpdError).hint).toMatch(/ipdialog serve/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
