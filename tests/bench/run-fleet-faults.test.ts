// `ipdialog run` over scripted endpoints that fail on purpose: 429 with Retry-After and 500s
// are retried and counted in run.json and the report; when every endpoint stays down the
// run stops, says so, and a rerun on another endpoint finishes it with every item once.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect } from 'vitest';
import { PredictionRecordSchema, RunRecordSchema } from '../../bench/runlog';
import { runCliAsync } from '../helpers/cli';
import { startScriptedServer, type ScriptedOptions, type ScriptedServer } from '../helpers/fake-openai';
import { itWithReference, referencePath } from '../helpers/reference';

const DATA = 'filtered_data_test_1000.jsonl';
const scratch = mkdtempSync(path.join(os.tmpdir(), 'ipd-fleet-faults-'));
const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Benchmark prompts (the backend's canary and probes are not).
const isPrompt = (p: string) => p.startsWith('You are a helpful agent');

async function fake(opts: ScriptedOptions = {}): Promise<ScriptedServer> {
  const s = await startScriptedServer(() => '- Answer: [yes]', 'fake-model', opts);
  servers.push(s);
  return s;
}

const readPredictions = (dir: string) =>
  readFileSync(path.join(dir, 'predictions.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => PredictionRecordSchema.parse(JSON.parse(l)));
const readRun = (dir: string) => RunRecordSchema.parse(JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')));
const common = ['run', '--backend', 'openai', '--pathway', 'task-related,direct-response', '--per-task', '2', '--data', referencePath(DATA)];

describe('ipdialog run over failing endpoints', () => {
  itWithReference('retries 429 (Retry-After) and 500 answers elsewhere; run.json and the report count them', [DATA], async () => {
    let n = 0;
    const flaky = await fake({
      fail: (_count, prompt) => {
        if (!isPrompt(prompt)) return undefined;
        n++;
        return n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : n === 2 || n === 3 ? { status: 500 } : undefined;
      },
    });
    // Slow enough that work is left when the flaky one's pauses end (its third prompt comes
    // at most ~2.3 s in; the good one needs at least 38 / 2 x 200 ms = 3.8 s for the rest):
    // with a fast one the third failure depended on the machine's load.
    const good = await fake({ delayMs: 200 });
    const out = path.join(scratch, 'retried');
    const r = await runCliAsync([...common, '--endpoint', `${flaky.baseUrl},max=2`, '--endpoint', `${good.baseUrl},max=2`, '--out', out]);
    expect(r.status, r.stderr).toBe(0);

    // 2 pathways x 10 tasks x 2 items, each exactly once, each naming the server that answered it.
    const preds = readPredictions(out);
    expect(preds).toHaveLength(40);
    expect(new Set(preds.map((p) => `${p.pathway}:${p.line}`)).size).toBe(40);
    for (const p of preds) expect(servers.find((s) => s.baseUrl === p.endpoint)!.answered).toContain(p.prompt);

    const sentFailures = flaky.failures;
    expect(sentFailures).toEqual([429, 500, 500]);
    const [f, g] = readRun(out).endpoints!;
    expect(f.url).toBe(flaky.baseUrl);
    expect(g.url).toBe(good.baseUrl);
    expect(f.errors).toEqual({ rate_limited: 1, server: 2, timeout: 0, connection: 0, rejected: 0 });
    expect(f.retries).toBe(3);
    expect(g.retries).toBe(0);
    // (A server may answer a request the client has already moved away; the records count
    // what the run used.)
    expect(f.requests).toBe(preds.filter((p) => p.endpoint === flaky.baseUrl).length);
    expect(f.requests + g.requests).toBe(40);
    expect(g.latency_ms.p50).toBeGreaterThanOrEqual(200);

    const report = readFileSync(path.join(out, 'report.html'), 'utf8');
    const section = report.slice(report.indexOf('<section id="endpoints">'), report.indexOf('</section>', report.indexOf('<section id="endpoints">')));
    expect(section).toContain(`<td>${flaky.baseUrl}</td><td class="num">${f.requests}</td>`);
    expect(section).toMatch(/title="1 rate-limited \(429\), 2 server errors \(5xx\)[^"]*">3<\/td>/);
  });

  itWithReference('stops cleanly when every endpoint is down; a rerun on another endpoint finishes with every item once', [DATA], async () => {
    // The only endpoint (2 requests at a time) dies at its 8th request.
    const dying = await fake({ delayMs: 30 });
    dying.onRequest = (count) => {
      if (count === 8) void dying.close();
    };
    const out = path.join(scratch, 'resumed');
    const first = await runCliAsync([...common, '--endpoint', `${dying.baseUrl},max=2`, '--down-timeout', '1', '--out', out]);
    expect(first.status).not.toBe(0);
    // The cause is whatever the last attempt saw: the connection reset or refused.
    expect(first.stderr).toMatch(new RegExp(`every endpoint has been down for 1 s: ${dying.baseUrl} \\([A-Z_]+\\)`));
    expect(first.stderr).toMatch(/rerun the same command to resume/);
    const stopped = readRun(out);
    expect(stopped.status).toBe('error');
    expect(stopped.error?.message).toMatch(/every endpoint has been down/);
    const before = readPredictions(out);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(40);
    expect(before.every((p) => p.endpoint === dying.baseUrl)).toBe(true);

    const fresh = await fake();
    const second = await runCliAsync([...common, '--endpoint', fresh.baseUrl, '--out', out]);
    expect(second.status, second.stderr).toBe(0);
    const after = readPredictions(out);
    expect(after).toHaveLength(40);
    expect(new Set(after.map((p) => `${p.pathway}:${p.line}`)).size).toBe(40);
    expect(fresh.answered.filter(isPrompt)).toHaveLength(40 - before.length);
    const run = readRun(out);
    expect(run.status).toBe('success');
    expect(run.error).toBeUndefined();
    expect(run.endpoints!.map((e) => [e.url, e.requests])).toEqual([
      [dying.baseUrl, before.length],
      [fresh.baseUrl, 40 - before.length],
    ]);
  });
});
