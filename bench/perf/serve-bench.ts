// Load generator for `ipdialog serve`: N concurrent streamed chat requests, reporting
// requests/s, output tokens/s, time to first token and latency (median over runs).
//
//   npm run bench:serve -- [--model M | --url http://host:port/v1] [--requests 64]
//       [--concurrency 64] [--max-tokens 32] [--max-batch N] [--threads N] [--runs 3]
//       [--in-process]
//
// --in-process afterwards runs the same requests on the engine in this process (no HTTP),
// so the table shows what serving costs on top of the engine.
// Without --model or --url it serves a freshly generated tiny `test` model (random weights),
// which measures the server and scheduler, not a real model's speed.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLlmEngine } from '../../engine/node';
import { resolveModel } from '../../models/node';
import { createTinyModel } from '../../models/tiny';
import { startServe } from './serve-process';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    url: { type: 'string' },
    requests: { type: 'string', default: '64' },
    concurrency: { type: 'string' },
    'max-tokens': { type: 'string', default: '32' },
    'max-batch': { type: 'string' },
    threads: { type: 'string' },
    runs: { type: 'string', default: '3' },
    'in-process': { type: 'boolean', default: false },
  },
});
const numRequests = Number(args.requests);
const concurrency = Number(args.concurrency ?? args.requests);
const maxTokens = Number(args['max-tokens']);
const numRuns = Number(args.runs);

interface RequestTiming {
  ttftMs: number;
  latencyMs: number;
  completionTokens: number;
}

interface RunResult {
  wallS: number;
  timings: RequestTiming[];
}

/** One streamed chat request; usage comes in the last chunk (stream_options.include_usage). */
async function chatOnce(url: string, model: string | undefined, i: number): Promise<RequestTiming> {
  const t0 = performance.now();
  const res = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...(model && { model }),
      messages: [{ role: 'user', content: promptOf(i) }],
      max_tokens: maxTokens,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  let ttftMs = -1;
  let completionTokens = 0;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end).replace(/^data: /, '');
      buffer = buffer.slice(end + 2);
      if (event === '[DONE]') continue;
      const chunk = JSON.parse(event) as { error?: { message: string }; choices: Array<{ delta: { content?: string } }>; usage?: { completion_tokens: number } };
      if (chunk.error) throw new Error(chunk.error.message);
      if (ttftMs < 0 && chunk.choices[0]?.delta.content) ttftMs = performance.now() - t0;
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
  }
  return { ttftMs, latencyMs: performance.now() - t0, completionTokens };
}

const promptOf = (i: number) => `Request ${i}: suggest a weekend plan for someone who likes hiking and chess.`;

async function runLoad(one: (i: number) => Promise<RequestTiming>): Promise<RunResult> {
  const timings: RequestTiming[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < numRequests) timings.push(await one(next++));
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, numRequests) }, worker));
  return { wallS: (performance.now() - t0) / 1000, timings };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function serveForBench(model: string, name?: string): Promise<{ child: ChildProcess; url: string }> {
  const extra = [...(name ? ['--served-model-name', name] : []), ...(args['max-batch'] ? ['--max-batch', args['max-batch']] : []), ...(args.threads ? ['--threads', args.threads] : [])];
  return startServe(model, extra);
}

/** A warm-up pass, then `numRuns` timed passes and their median, as table rows. */
async function measure(label: string, one: (i: number) => Promise<RequestTiming>): Promise<string[][]> {
  await runLoad(one); // warm-up: first-use costs (graph optimisation, allocations)
  const rows: string[][] = [];
  const summaries: number[][] = [];
  for (let r = 1; r <= numRuns; r++) {
    const { wallS, timings } = await runLoad(one);
    const tokens = timings.reduce((a, t) => a + t.completionTokens, 0);
    const ms = (f: (t: RequestTiming) => number, q: number) => quantile(timings.map(f), q);
    summaries.push([wallS, numRequests / wallS, tokens / wallS, ms((t) => t.ttftMs, 0.5), ms((t) => t.latencyMs, 0.5), ms((t) => t.latencyMs, 0.95)]);
  }
  const median = summaries[0].map((_, j) => quantile(summaries.map((s) => s[j]), 0.5));
  const cells = (xs: number[]) => xs.map((x, j) => x.toFixed(j === 0 ? 2 : j < 3 ? 1 : 0));
  summaries.forEach((s, r) => rows.push([label, String(r + 1), ...cells(s)]));
  rows.push([label, 'median', ...cells(median)]);
  return rows;
}

const tmp = !args.url && !args.model ? mkdtempSync(path.join(tmpdir(), 'ipd-serve-bench-')) : undefined;
let served: { child: ChildProcess; url: string } | undefined;
try {
  const model = args.model ?? (tmp ? (await createTinyModel({ preset: 'test', out: tmp })).dir : undefined);
  if (!args.url) served = await serveForBench(model!, tmp ? 'tiny-test (random weights)' : undefined);
  const url = (args.url ?? served!.url).replace(/\/+$/, '');
  // The server's own name for the model, whatever path it was started with.
  const modelName = ((await (await fetch(`${url}/models`)).json()) as { data: Array<{ id: string }> }).data[0].id;
  const rows: string[][] = [];
  rows.push(...(await measure('serve', (i) => chatOnce(url, modelName, i))));
  // The server must be gone before the in-process runs, or the two share the cores.
  if (served) await new Promise((r) => served!.child.once('exit', r).kill('SIGTERM'));
  if (args['in-process']) {
    if (!model) throw new Error('--in-process needs --model (or neither --model nor --url)');
    // Same engine settings as the server got, the same prompts through the chat template.
    const resolved = await resolveModel(model!);
    const engine = await createLlmEngine(resolved, { maxBatch: args['max-batch'] ? Number(args['max-batch']) : undefined, threads: args.threads ? Number(args.threads) : undefined });
    try {
      const ids = (i: number) => engine.tokenizer.encodeChat([{ role: 'user', content: promptOf(i) }]);
      rows.push(
        ...(await measure('in-process', async (i) => {
          const r = await engine.generate({ promptTokenIds: ids(i), sampling: { maxNewTokens: maxTokens } });
          return { ttftMs: r.firstTokenMs, latencyMs: r.totalMs, completionTokens: r.tokenIds.length };
        })),
      );
    } finally {
      await engine.dispose();
    }
  }

  const head = ['', 'run', 'wall s', 'req/s', 'out tok/s', 'TTFT p50 ms', 'latency p50 ms', 'p95 ms'];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => (j < 2 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  console.log(`serve bench: ${modelName}; ${numRequests} chat requests, ${Math.min(concurrency, numRequests)} concurrent, max_tokens ${maxTokens}, greedy, ${numRuns} runs`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
} finally {
  served?.child.kill('SIGTERM');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
