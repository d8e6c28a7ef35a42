// The OpenAI-compatible backend over several scripted servers: the shared queue, item
// affinity, retries elsewhere, Retry-After, cooldowns and probes, the clean stop when all
// are down, and the start-up checks (model ids, canary answers).
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIGenerator, type EndpointConfig, type OpenAIBackendOptions } from '../../bench/backends';
import { IpdError, type TextRequest } from '../../common';
import { startScriptedServer, type ScriptedFailure, type ScriptedOptions, type ScriptedServer } from '../helpers/fake-openai';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

// Benchmark-like prompts start with "q"; anything else (the backend's own canary and
// probes) is answered normally and left out of the counts below.
const isOurs = (prompt: string) => prompt.startsWith('q');
const reply = (prompt: string) => `answer to ${prompt}`;

async function fake(opts: ScriptedOptions & { model?: string; respond?: (p: string) => string } = {}): Promise<ScriptedServer> {
  const s = await startScriptedServer(opts.respond ?? reply, opts.model ?? 'm', opts);
  servers.push(s);
  return s;
}

/** Fails the n-th of our own prompts (1-based) as `pick` says. */
function failOurs(pick: (n: number) => ScriptedFailure | undefined): ScriptedOptions['fail'] {
  let n = 0;
  return (_count, prompt) => (isOurs(prompt) ? pick(++n) : undefined);
}

const endpoint = (s: ScriptedServer, max = 4, weight = 1): EndpointConfig => ({ url: s.baseUrl, maxConcurrency: max, weight });

function create(endpoints: EndpointConfig[], opts: Partial<OpenAIBackendOptions> = {}): Promise<OpenAIGenerator> {
  return OpenAIGenerator.create({ endpoints, retryBaseMs: 20, cooldownMs: 150, log: () => {}, ...opts });
}

const ask = (i: number, affinityKey?: string): TextRequest => ({ id: `r${i}`, messages: [{ role: 'user', content: `q${i}` }], maxNewTokens: 4, ...(affinityKey && { affinityKey }) });

const ours = (s: ScriptedServer) => s.answered.filter(isOurs);

describe('the shared queue', () => {
  it('answers every request once; a slower endpoint serves fewer', async () => {
    const fast1 = await fake({ delayMs: 10 });
    const fast2 = await fake({ delayMs: 10 });
    const slow = await fake({ delayMs: 120 });
    const gen = await create([endpoint(fast1, 2), endpoint(fast2, 2), endpoint(slow, 2)]);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => gen.generate(ask(i))));
    results.forEach((r, i) => {
      expect(r.text).toBe(reply(`q${i}`));
      // The endpoint named is the one that answered it.
      expect(servers.find((s) => s.baseUrl === r.endpoint)!.answered).toContain(`q${i}`);
    });
    const counts = [fast1, fast2, slow].map((s) => ours(s).length);
    expect(counts.reduce((a, b) => a + b)).toBe(60);
    expect(new Set([fast1, fast2, slow].flatMap(ours)).size).toBe(60);
    // At equal caps, 12x slower answers give the slow endpoint far fewer requests.
    expect(counts[2]).toBeLessThan(counts[0] / 2);
    expect(counts[2]).toBeLessThan(counts[1] / 2);
    const stats = gen.endpointStats();
    expect(stats.map((s) => s.requests)).toEqual(counts);
    await gen.dispose();
  });

  it('sends the requests of one item to one endpoint', async () => {
    const a = await fake({ delayMs: 5 });
    const b = await fake({ delayMs: 5 });
    const c = await fake({ delayMs: 5 });
    const where = (prompt: string) => [a, b, c].findIndex((s) => s.answered.includes(prompt));
    const groups = (n: number) => Array.from({ length: n }, (_, item) => Array.from({ length: 5 }, (_, p) => item * 5 + p));

    // Room for everything: every item's five requests land on one endpoint.
    let gen = await create([endpoint(a, 10), endpoint(b, 10), endpoint(c, 10)]);
    await Promise.all(groups(6).flatMap((g, item) => g.map((i) => gen.generate(ask(i, `item${item}`)))));
    for (const g of groups(6)) expect(new Set(g.map((i) => where(`q${i}`))).size).toBe(1);
    // ... and the items are spread, not piled on one endpoint.
    expect(new Set(groups(6).map((g) => where(`q${g[0]}`))).size).toBe(3);
    await gen.dispose();

    // Under pressure (cap 2): an endpoint may take another's queued request only when no
    // new item is left, when each endpoint owns at most 2 unfinished items, so at most
    // 3 x 2 of the 20 items can be split.
    for (const s of [a, b, c]) s.answered.length = 0;
    gen = await create([endpoint(a, 2), endpoint(b, 2), endpoint(c, 2)]);
    await Promise.all(groups(20).flatMap((g, item) => g.map((i) => gen.generate(ask(1000 + i, `item${item}`)))));
    const whole = groups(20).filter((g) => new Set(g.map((i) => where(`q${1000 + i}`))).size === 1).length;
    expect(whole).toBeGreaterThanOrEqual(14);
    await gen.dispose();
  });

  it('gives an endpoint with a higher weight the work first when both have room', async () => {
    const light = await fake();
    const heavy = await fake();
    const gen = await create([endpoint(light, 8, 1), endpoint(heavy, 8, 3)]);
    // 8 requests at once: taken least-loaded-per-weight first, so 6 go to weight 3, 2 to weight 1.
    await Promise.all(Array.from({ length: 8 }, (_, i) => gen.generate(ask(i))));
    expect([ours(light).length, ours(heavy).length]).toEqual([2, 6]);
    await gen.dispose();
  });
});

describe('faults', () => {
  it('retries 429 and 500 answers on another endpoint; the endpoint that sent Retry-After gets nothing before it', async () => {
    const arrivals: number[] = [];
    const flaky = await fake({
      fail: failOurs((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : n === 2 ? { status: 500 } : undefined)),
    });
    flaky.onRequest = (_n, prompt) => isOurs(prompt) && arrivals.push(Date.now());
    // Slow enough that the flaky endpoint is needed again after its pause.
    const good = await fake({ delayMs: 150 });
    const gen = await create([endpoint(flaky, 1), endpoint(good, 1)], { failuresBeforeCooldown: 5 });
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => gen.generate(ask(i))));
    results.forEach((r, i) => expect(r.text).toBe(reply(`q${i}`)));
    expect(new Set([...ours(flaky), ...ours(good)]).size).toBe(12);
    expect(ours(flaky).length + ours(good).length).toBe(12);
    expect(flaky.failures).toEqual([429, 500]);
    // After the 429 (first arrival) the next request came no sooner than Retry-After: 1 s.
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(990);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
    const [f, g] = gen.endpointStats();
    expect(f.errors).toEqual({ rateLimited: 1, server: 1, timeout: 0, connection: 0, rejected: 0 });
    expect(f.retries).toBe(2);
    expect(g.retries).toBe(0);
    expect(f.requests + g.requests).toBe(12);
    await gen.dispose();
  });

  it('puts an endpoint that keeps failing in cooldown, moves its requests in flight, and probes it before it gets work again', async () => {
    // The first three of our requests there fail at once, the fourth hangs until it is moved.
    const sick = await fake({ delayMs: 400, fail: failOurs((n) => (n <= 3 ? { status: 503 } : undefined)) });
    const good = await fake({ delayMs: 60 });
    // The pause after the first failure outlasts the arrival of the next two: no new request
    // reaches it before the cooldown, so exactly the hanging one is moved.
    const gen = await create([endpoint(sick, 4), endpoint(good, 2)], { failuresBeforeCooldown: 3, cooldownMs: 300, retryBaseMs: 100 });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => gen.generate(ask(i))));
    results.forEach((r, i) => expect(r.text).toBe(reply(`q${i}`)));
    const answered = [...ours(sick), ...ours(good)];
    expect(answered).toHaveLength(40);
    expect(new Set(answered).size).toBe(40);
    const [s] = gen.endpointStats();
    expect(s.errors.server).toBe(3);
    expect(s.cooldowns).toBe(1);
    expect(s.requeued).toBe(1);
    // A probe (not one of ours) found it well again, and it served requests afterwards.
    expect(sick.prompts.filter((p) => !isOurs(p)).length).toBeGreaterThanOrEqual(2); // canary + probe
    expect(s.requests).toBeGreaterThan(0);
    await gen.dispose();
  });

  it('stops cleanly when every endpoint stays down, naming each and why', async () => {
    const a = await fake();
    const b = await fake();
    const gen = await create([endpoint(a), endpoint(b)], { downTimeoutMs: 500 });
    await a.close();
    await b.close();
    const t0 = Date.now();
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => gen.generate(ask(i))));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    const err = (outcomes[0] as PromiseRejectedResult).reason as IpdError;
    expect(err).toBeInstanceOf(IpdError);
    expect(err.message).toBe(`every endpoint has been down for 0.5 s: ${a.baseUrl} (ECONNREFUSED), ${b.baseUrl} (ECONNREFUSED)`);
    expect(err.hint).toMatch(/rerun the same command to resume/);
    expect(Date.now() - t0).toBeLessThan(5000);
    await expect(gen.generate(ask(9))).rejects.toBe(err);
  });
});

describe('start-up checks', () => {
  it('leaves out an endpoint serving another model, and one that does not answer starts in cooldown', async () => {
    const a = await fake();
    const other = await fake({ model: 'other-model' });
    const gone = await fake();
    await gone.close();
    const log: string[] = [];
    const gen = await create([endpoint(a), endpoint(other), endpoint(gone)], { log: (l) => log.push(l) });
    expect(gen.modelId).toBe('m');
    expect(log).toContain(`warning: ${other.baseUrl} serves "other-model", not "m": left out of this run`);
    expect(log).toContain(`warning: ${gone.baseUrl} does not answer (ECONNREFUSED): it gets work once a probe succeeds`);
    await gen.generate(ask(1));
    expect(ours(other)).toEqual([]);
    expect(gen.endpointStats().map((s) => s.url)).toEqual([a.baseUrl, gone.baseUrl]);
    await gen.dispose();

    const strict = await create([endpoint(a), endpoint(other)], { strictEndpoints: true }).catch((e: unknown) => e);
    expect(strict).toBeInstanceOf(IpdError);
    expect((strict as IpdError).message).toContain(`--strict-endpoints: the endpoints differ:\n  ${other.baseUrl} serves "other-model"`);
  });

  it('names the endpoints whose greedy canary answer differs', async () => {
    const a = await fake();
    const b = await fake();
    const odd = await fake({ respond: (p) => `something else entirely for ${p}` });
    const log: string[] = [];
    const gen = await create([endpoint(a), endpoint(b), endpoint(odd)], { log: (l) => log.push(l) });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(new RegExp(`^warning: ${odd.baseUrl} answers the greedy canary prompt with "something else.*", ${a.baseUrl}, ${b.baseUrl} with "answer to .*": different weights, chat template or quantization\\?$`));
    // A warning only: the odd endpoint still works.
    await Promise.all(Array.from({ length: 12 }, (_, i) => gen.generate(ask(i))));
    expect(ours(odd).length).toBeGreaterThan(0);
    await gen.dispose();

    await expect(create([endpoint(a), endpoint(odd)], { strictEndpoints: true })).rejects.toThrow(/--strict-endpoints: the endpoints differ/);
  });
});
