// Throughput of one run spread over 1, 2 and 3 local `ipdialog serve` endpoints, through the
// same client backend `ipdialog run --backend openai --endpoint ...` uses: requests/s, output
// tokens/s, each endpoint's share of the requests and how busy the client kept it.
//
//   npm run bench:fleet -- [--model M] [--endpoints 3] [--requests 96] [--max-tokens 32]
//       [--max 16] [--threads 1] [--runs 3] [--overhead]
//
// Each server gets --threads onnxruntime threads (default 1), so on a machine with fewer
// cores than endpoints the extra servers compete for the same cores: the figure to read is
// whether the client keeps every endpoint busy, and how far throughput follows the cores.
// --overhead adds the client's own cost per request: the openai-package backend against
// bare fetch() on a server that answers at once.
// Without --model it serves a freshly generated tiny `test` model (random weights).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { OpenAIGenerator } from '../backends';
import { createTinyModel } from '../../models/tiny';
import { startServe } from './serve-process';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    endpoints: { type: 'string', default: '3' },
    requests: { type: 'string', default: '96' },
    'max-tokens': { type: 'string', default: '32' },
    max: { type: 'string', default: '16' },
    threads: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    overhead: { type: 'boolean', default: false },
  },
});
const numEndpoints = Number(args.endpoints);
const numRequests = Number(args.requests);
const maxTokens = Number(args['max-tokens']);
const numRuns = Number(args.runs);

const promptOf = (i: number) => `Request ${i}: suggest a weekend plan for someone who likes hiking and chess.`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Pass {
  wallS: number;
  tokens: number;
  shares: number[];
  busy: number[];
}

/** All requests at once through a fresh backend (as `run` submits them); the figures of one pass. */
async function pass(urls: string[], offset: number): Promise<Pass> {
  const gen = await OpenAIGenerator.create({ endpoints: urls.map((url) => ({ url, maxConcurrency: Number(args.max), weight: 1 })), log: () => {} });
  try {
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: numRequests }, (_, i) => gen.generate({ messages: [{ role: 'user', content: promptOf(offset + i) }], maxNewTokens: maxTokens, temperature: 0 })),
    );
    const wallMs = performance.now() - t0;
    const stats = gen.endpointStats();
    return {
      wallS: wallMs / 1000,
      tokens: results.reduce((a, r) => a + r.completionTokens, 0),
      shares: stats.map((s) => s.requests / numRequests),
      busy: stats.map((s) => s.busyMs / wallMs),
    };
  } finally {
    await gen.dispose();
  }
}

/** Client cost per request: the backend vs bare fetch() against a server that answers at once. */
async function clientOverhead(): Promise<string[]> {
  const body = JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1 } });
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/v1/models' ? JSON.stringify({ object: 'list', data: [{ id: 'noop' }] }) : body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const n = 3000;
  const concurrency = 32;
  const timeIt = async (one: (i: number) => Promise<unknown>) => {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n) await one(next++);
    }));
    return n / ((performance.now() - t0) / 1000);
  };
  const gen = await OpenAIGenerator.create({ endpoints: [{ url, maxConcurrency: concurrency, weight: 1 }], log: () => {} });
  const viaBackend = (i: number) => gen.generate({ messages: [{ role: 'user', content: promptOf(i) }], maxNewTokens: 1 });
  const viaFetch = async (i: number) => {
    const res = await fetch(`${url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'noop', messages: [{ role: 'user', content: promptOf(i) }], max_tokens: 1, temperature: 0 }),
    });
    return res.json();
  };
  const rows: Record<string, number[]> = { backend: [], fetch: [] };
  for (let r = 0; r < 3; r++) {
    rows.fetch.push(await timeIt(viaFetch));
    rows.backend.push(await timeIt(viaBackend));
  }
  await gen.dispose();
  server.close();
  const b = median(rows.backend);
  const f = median(rows.fetch);
  return [
    `client overhead (${n} requests, ${concurrency} concurrent, a server answering at once, median of 3):`,
    `  bare fetch(): ${f.toFixed(0)} req/s (${(1000 / f).toFixed(3)} ms/request); openai-package backend: ${b.toFixed(0)} req/s (${(1000 / b).toFixed(3)} ms/request)`,
  ];
}

const tmp = args.model ? undefined : mkdtempSync(path.join(tmpdir(), 'ipd-fleet-bench-'));
const servers: Array<{ child: ChildProcess; url: string }> = [];
try {
  const model = args.model ?? (await createTinyModel({ preset: 'test', out: tmp! })).dir;
  servers.push(...(await Promise.all(Array.from({ length: numEndpoints }, () => startServe(model, ['--threads', args.threads!, '--served-model-name', 'bench-model'])))));
  const urls = servers.map((s) => s.url);
  // Warm-up on every server: first-use costs (graph optimisation, allocations).
  await pass(urls, 0);
  const lines: string[] = [];
  let base = 0;
  for (let k = 1; k <= numEndpoints; k++) {
    const passes: Pass[] = [];
    for (let r = 0; r < numRuns; r++) passes.push(await pass(urls.slice(0, k), (k * numRuns + r) * numRequests));
    const reqS = median(passes.map((p) => numRequests / p.wallS));
    const tokS = median(passes.map((p) => p.tokens / p.wallS));
    if (k === 1) base = reqS;
    const pct = (xs: number[][]) => xs[0].map((_, j) => `${(100 * median(xs.map((x) => x[j]))).toFixed(0)}%`).join(' / ');
    lines.push(
      `| ${k} | ${reqS.toFixed(1)} | ${tokS.toFixed(0)} | ${(reqS / base).toFixed(2)}x | ${pct(passes.map((p) => p.shares))} | ${pct(passes.map((p) => p.busy))} |`,
    );
  }
  console.log(
    `fleet bench: ${numRequests} chat requests at once, max_tokens ${maxTokens}, greedy, max ${args.max} in flight per endpoint; ` +
      `each ipdialog serve on ${args.threads} thread(s); ${args.model ?? 'tiny test model (random weights)'}; median of ${numRuns} runs`,
  );
  console.log('| endpoints | req/s | output tok/s | vs 1 endpoint | share of requests | busy (time with requests in flight) |');
  console.log('|---|---|---|---|---|---|');
  for (const l of lines) console.log(l);
  if (args.overhead) for (const l of await clientOverhead()) console.log(l);
} finally {
  for (const s of servers) s.child.kill('SIGTERM');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
