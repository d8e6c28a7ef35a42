// The OpenAI-compatible server in this process, on the tiny test model: the HTTP contract
// (shapes, errors, streaming, stops, limits, API key, cancellation, shutdown).
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmEngine } from '../../engine';
import { createLlmEngine } from '../../engine/node';
import { resolveModelFolder, type ResolvedModel } from '../../models/node';
import { startServer, type RunningServer } from '../../bench/serve';
import { ensureTinyModel } from '../helpers/tiny-model';

const MODEL = 'tiny';
let model: ResolvedModel;
let engine: LlmEngine;
let server: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  model = await resolveModelFolder(await ensureTinyModel({ preset: 'test' }));
  engine = await createLlmEngine(model, { threads: 2, maxBatch: 16 });
  server = await startServer({ engine, modelName: MODEL, config: model.config, port: 0 });
  client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server?.shutdown(0);
  await engine?.dispose();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: MODEL,
  messages: [{ role: 'user', content }],
  max_tokens: 6,
  temperature: 0,
  ...extra,
});

async function expectApiError(res: Response, status: number, param?: string | null): Promise<string> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.type).toBe(status >= 500 ? 'server_error' : 'invalid_request_error');
  if (param !== undefined) expect(body.error.param).toBe(param);
  return body.error.message;
}

describe('ipdialog serve API', () => {
  it('lists the served model with its context length', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual([MODEL]);
    expect((list.data[0] as unknown as { max_model_len: number }).max_model_len).toBe(model.config.maxPositionEmbeddings);
  });

  it('answers 64 concurrent chat requests, each as it would alone', async () => {
    const prompts = Array.from({ length: 64 }, (_, i) => `Question ${i}: what is ${i} times ${i + 1}?`);
    const alone = await client.chat.completions.create(chat(prompts[5]) as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const all = await Promise.all(prompts.map((p) => client.chat.completions.create(chat(p) as OpenAI.ChatCompletionCreateParamsNonStreaming)));
    for (const r of all) {
      expect(r.object).toBe('chat.completion');
      expect(r.choices[0].message.role).toBe('assistant');
      expect(r.usage!.completion_tokens).toBeGreaterThan(0);
      expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    }
    expect(new Set(all.map((r) => r.id)).size).toBe(64);
    // Greedy output does not depend on what else was in the batch.
    expect(all[5].choices[0].message.content).toBe(alone.choices[0].message.content);
  });

  it('answers malformed JSON and invalid fields with 400 and keeps serving', async () => {
    expect(await expectApiError(await post('/chat/completions', '{"messages": ['), 400, null)).toMatch(/not valid JSON/);
    await expectApiError(await post('/chat/completions', chat('hi', { temperature: 'hot' })), 400, 'temperature');
    await expectApiError(await post('/chat/completions', { model: MODEL }), 400, 'messages');
    await expectApiError(await post('/chat/completions', { messages: [{ role: 'tool', content: 'x' }] }), 400, 'messages[0].role');
    expect(await expectApiError(await post('/chat/completions', chat('hi', { n: 3 })), 400, 'n')).toMatch(/not supported/);
    await expectApiError(await post('/completions', { prompt: 42 }), 400, 'prompt');
    await expectApiError(await post('/completions', { prompt: [999_999_999] }), 400, 'prompt');
    await expectApiError(await post('/chat/completions', '[]'), 400);
    expect(await expectApiError(await post('/chat/completions', JSON.stringify(chat('hi')), { 'content-type': 'text/plain' }), 400)).toMatch(/application\/json/);
    await expectApiError(await post('/chat/completions', chat('hi', { model: 'other' })), 404, 'model');
    await expectApiError(await fetch(`${server.url}/nope`), 404);
    await expectApiError(await fetch(`${server.url}/chat/completions`), 405);
    const ok = await post('/chat/completions', chat('still there?'));
    expect(ok.status).toBe(200);
  });

  it('refuses prompts that do not fit the context, naming the limit', async () => {
    const limit = model.config.maxPositionEmbeddings!;
    const tooMany = await expectApiError(await post('/chat/completions', chat('hi', { max_tokens: limit })), 400, 'messages');
    expect(tooMany).toContain(`maximum context length is ${limit} tokens`);
    const long = Array.from({ length: limit }, () => 1000);
    const tooLong = await expectApiError(await post('/completions', { prompt: long, max_tokens: 1 }), 400, 'prompt');
    expect(tooLong).toContain(`${limit} tokens`);
  });

  it('streams chat and completions that the openai client parses, equal to the non-streamed text', async () => {
    const params = chat('Tell me a story', { max_tokens: 10 }) as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let numChunks = 0;
    for await (const chunk of stream) {
      numChunks++;
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.delta.content ?? '';
        finish = c.finish_reason ?? finish;
      }
    }
    expect(numChunks).toBeGreaterThan(3);
    expect(text).toBe(whole.choices[0].message.content);
    expect(finish).toBe(whole.choices[0].finish_reason);
    expect(usage).toEqual(whole.usage);

    const cparams = { model: MODEL, prompt: 'Once upon a time', max_tokens: 8, temperature: 0 };
    const cwhole = await client.completions.create(cparams);
    let ctext = '';
    for await (const chunk of await client.completions.create({ ...cparams, stream: true })) ctext += chunk.choices[0]?.text ?? '';
    expect(ctext).toBe(cwhole.choices[0].text);
    expect(cwhole.usage!.completion_tokens).toBe(8);
  });

  it('honours max_tokens and stop strings, streamed or not', async () => {
    const base = await client.completions.create({ model: MODEL, prompt: 'The weather today', max_tokens: 12, temperature: 0 });
    expect(base.usage!.completion_tokens).toBe(12);
    expect(base.choices[0].finish_reason).toBe('length');
    const full = base.choices[0].text;
    // A stop string from the middle of the greedy text: the answer ends just before it.
    const stop = full.slice(Math.floor(full.length / 2), Math.floor(full.length / 2) + 3);
    const cut = full.slice(0, full.indexOf(stop));
    const stopped = await client.completions.create({ model: MODEL, prompt: 'The weather today', max_tokens: 12, temperature: 0, stop: [stop, 'never-there'] });
    expect(stopped.choices[0].text).toBe(cut);
    expect(stopped.choices[0].finish_reason).toBe('stop');
    expect(stopped.usage!.completion_tokens).toBeLessThan(12);
    let streamed = '';
    for await (const chunk of await client.completions.create({ model: MODEL, prompt: 'The weather today', max_tokens: 12, temperature: 0, stop, stream: true })) {
      streamed += chunk.choices[0]?.text ?? '';
    }
    expect(streamed).toBe(cut);
  });

  it('answers a batch of completion prompts as separate choices', async () => {
    const r = await client.completions.create({ model: MODEL, prompt: ['one', 'two', 'three'], max_tokens: 3, temperature: 0 });
    expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    const single = await client.completions.create({ model: MODEL, prompt: 'two', max_tokens: 3, temperature: 0 });
    expect(r.choices[1].text).toBe(single.choices[0].text);
    expect(r.usage!.completion_tokens).toBe(9);
  });

  it('frees the engine when a client goes away mid-stream', async () => {
    const stream = await client.chat.completions.create({ ...(chat('long one', { max_tokens: 4000 }) as OpenAI.ChatCompletionCreateParamsNonStreaming), stream: true });
    let n = 0;
    // Leaving the loop early makes the client drop the connection.
    for await (const _ of stream) if (++n === 3) break;
    expect(n).toBe(3);
    await expect.poll(() => engine.numPending, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => server.numInFlight, { timeout: 10_000 }).toBe(0);
  });
});

describe('ipdialog serve with --api-key', () => {
  it('checks the key on every request', async () => {
    const keyed = await startServer({ engine, modelName: MODEL, config: model.config, port: 0, apiKey: 'sekret' });
    try {
      const noKey = await fetch(`${keyed.url}/models`);
      expect(noKey.status).toBe(401);
      expect(((await noKey.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
      const wrong = new OpenAI({ baseURL: keyed.url, apiKey: 'guess', maxRetries: 0 });
      await expect(wrong.chat.completions.create(chat('hi') as OpenAI.ChatCompletionCreateParamsNonStreaming)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const right = new OpenAI({ baseURL: keyed.url, apiKey: 'sekret', maxRetries: 0 });
      const r = await right.chat.completions.create(chat('hi') as OpenAI.ChatCompletionCreateParamsNonStreaming);
      expect(r.choices[0].message.content).toBeTypeOf('string');
    } finally {
      await keyed.shutdown(0);
    }
  });
});

describe('request size limit', () => {
  it('answers an oversized body with 413, declared or streamed, and keeps serving', async () => {
    const small = await startServer({ engine, modelName: MODEL, config: model.config, port: 0, maxBodyBytes: 4096 });
    try {
      const big = JSON.stringify(chat('x'.repeat(10_000)));
      // Content-Length says it at once.
      const declared = await fetch(`${small.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect(await expectApiError(declared, 413)).toMatch(/request body larger than 4096 bytes/);
      // Chunked, without Content-Length: refused when the bytes pass the limit.
      const bytes = new TextEncoder().encode(big);
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes.length; i += 1000) c.enqueue(bytes.subarray(i, i + 1000));
          c.close();
        },
      });
      const streamed = await fetch(`${small.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
      const body = (await streamed.json()) as { error: { code: string } };
      expect([streamed.status, body.error.code]).toEqual([413, 'request_too_large']);
      // A body under the limit is still served.
      const ok = await fetch(`${small.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chat('hi')) });
      expect(ok.status).toBe(200);
    } finally {
      await small.shutdown(0);
    }
  });
});

describe('graceful shutdown', () => {
  it('lets short requests finish, cancels long ones after the grace period, refuses new ones', async () => {
    const s = await startServer({ engine, modelName: MODEL, config: model.config, port: 0 });
    const c = new OpenAI({ baseURL: s.url, apiKey: 'x', maxRetries: 0 });
    const long = c.chat.completions.create(chat('long', { max_tokens: 4000 }) as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const longErr = long.catch((e: unknown) => e);
    const shortStream = await c.chat.completions.create({ ...(chat('short', { max_tokens: 4 }) as OpenAI.ChatCompletionCreateParamsNonStreaming), stream: true });
    await expect.poll(() => s.numInFlight).toBe(2);
    const report = s.shutdown(1500);
    let text = '';
    for await (const chunk of shortStream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    const err = (await longErr) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(503);
    expect(await report).toEqual({ numFinished: 1, numCancelled: 1 });
    await expect(fetch(`${s.url}/models`)).rejects.toThrow();
    await expect.poll(() => engine.numPending).toBe(0);
  });
});
