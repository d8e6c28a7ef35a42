// What `runBenchmark` tells a remote backend and writes about its servers, with a scripted
// TextGenerator in process: each request carries its item's identity as the affinity key (the
// fleet sends one key's requests to one server); run.json `endpoints` joins the generator's
// figures to the records; a failed session leaves status, error and endpoints in run.json,
// and the resumed session adds its figures to them. Expected values are counted by hand.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { getPathway, PATHWAY_IDS } from '../../pathways';
import { runBenchmark } from '../../bench/run';
import { PredictionRecordSchema, RunRecordSchema } from '../../bench/runlog';
import { IpdError, type EndpointStats, type TextGenerator, type TextRequest, type TextResult } from '../../common';
import { itWithReference, referencePath } from '../helpers/reference';

const DATA = 'filtered_data_test_1000.jsonl';
const scratch = mkdtempSync(path.join(os.tmpdir(), 'ipd-run-endpoints-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const noErrors = { rateLimited: 0, server: 0, timeout: 0, connection: 0, rejected: 0 };

/**
 * Answers request k (in the order they were sent) after k * 5 ms from server a (even k) or
 * b (odd k); with `failFrom`, request k >= failFrom fails instead. Reports fixed busy times
 * and one retry on b.
 */
function scriptedFleet(seen: TextRequest[], failFrom = Infinity): TextGenerator {
  return {
    modelId: 'scripted',
    description: 'openai-compatible 2 endpoints: http://a/v1, http://b/v1',
    async generate(req: TextRequest): Promise<TextResult> {
      const k = seen.push(req) - 1;
      await new Promise((r) => setTimeout(r, k * 5));
      if (k >= failFrom) throw new IpdError('SERVER_ERROR', 'every endpoint has been down for 1 s');
      return { text: '- Answer: [yes]', promptTokens: 10, completionTokens: 3, finishReason: 'stop', latencyMs: 100 + k, endpoint: k % 2 === 0 ? 'http://a/v1' : 'http://b/v1' };
    },
    endpointStats: (): EndpointStats[] => [
      { url: 'http://a/v1', requests: 0, completionTokens: 0, busyMs: 2000, latencyP50Ms: null, latencyP95Ms: null, retries: 0, errors: noErrors, requeued: 0, cooldowns: 0 },
      { url: 'http://b/v1', requests: 0, completionTokens: 0, busyMs: 1000, latencyP50Ms: null, latencyP95Ms: null, retries: 1, errors: { ...noErrors, server: 1 }, requeued: 0, cooldowns: 0 },
    ],
    async dispose() {},
  };
}

/** The first `n` decision items of the official set (no METEOR data needed to score them), as their own file. */
function decisionItems(n: number): { file: string; ids: string[] } {
  const lines = readFileSync(referencePath(DATA), 'utf8').split('\n').filter((l) => l.trim());
  const picked = lines.filter((l) => JSON.parse(l).task === 'decision').slice(0, n);
  const file = path.join(scratch, `decision-${n}.jsonl`);
  writeFileSync(file, `${picked.join('\n')}\n`);
  return { file, ids: picked.map((l) => `decision:${JSON.parse(l).index}`) };
}

const readRun = (dir: string) => RunRecordSchema.parse(JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')));
const readPredictions = (dir: string) =>
  readFileSync(path.join(dir, 'predictions.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => PredictionRecordSchema.parse(JSON.parse(l)));

const options = (out: string, dataFile: string, generator: TextGenerator) => ({
  out,
  dataFile,
  pathways: PATHWAY_IDS.map((id) => getPathway(id)),
  promptMode: 'chat' as const,
  maxNewTokens: 8,
  quiet: true,
  openGenerator: async () => generator,
});

describe('runBenchmark on a remote backend', () => {
  itWithReference('sends the five pathways of an item with the item identity (task:index) as affinity key', [DATA], async () => {
    const { file, ids } = decisionItems(3);
    const seen: TextRequest[] = [];
    await runBenchmark(options(path.join(scratch, 'affinity'), file, scriptedFleet(seen)));
    expect(seen).toHaveLength(15);
    for (const id of ids) expect(seen.filter((r) => r.affinityKey === id)).toHaveLength(5);
  });

  itWithReference('writes endpoints from the records and the sessions; a failed session says so in run.json and a rerun adds to it', [DATA], async () => {
    const { file } = decisionItems(2);
    const out = path.join(scratch, 'endpoints');

    // Session 1: requests 0-3 answered (a, b, a, b), 4 and later fail.
    await expect(runBenchmark(options(out, file, scriptedFleet([], 4)))).rejects.toThrow(/every endpoint has been down/);
    const failed = readRun(out);
    expect(failed.status).toBe('error');
    expect(failed.error).toEqual({ code: 'SERVER_ERROR', message: 'every endpoint has been down for 1 s' });
    expect(readPredictions(out).map((p) => p.endpoint)).toEqual(['http://a/v1', 'http://b/v1', 'http://a/v1', 'http://b/v1']);
    expect(failed.endpoints!.map((e) => [e.url, e.requests, e.completion_tokens, e.busy_seconds, e.retries])).toEqual([
      ['http://a/v1', 2, 6, 2, 0],
      ['http://b/v1', 2, 6, 1, 1],
    ]);
    // a answered requests 0 and 2 (latencies 100 and 102 ms): p50 101; p95 at rank 0.95, 100 + 0.95 * 2.
    expect(failed.endpoints![0].latency_ms).toEqual({ p50: 101, p95: 101.9 });

    // Session 2: the other 6 of 10, again alternating from a; busy time and retries add up.
    const summary = await runBenchmark(options(out, file, scriptedFleet([])));
    expect(summary.generated).toBe(6);
    const done = readRun(out);
    expect(done.status).toBe('success');
    expect(done.error).toBeUndefined();
    expect(done.endpoints!.map((e) => [e.url, e.requests, e.completion_tokens, e.busy_seconds, e.output_tokens_per_second, e.retries, e.errors.server])).toEqual([
      ['http://a/v1', 5, 15, 4, 15 / 4, 0, 0],
      ['http://b/v1', 5, 15, 2, 15 / 2, 2, 2],
    ]);
    expect(readPredictions(out)).toHaveLength(10);
  });
});
