// One measured process: our engine (worker thread, continuous batching, lean graph) on the
// workload, all requests submitted at once; then a batch-1 decode measurement.
import { readFileSync, writeFileSync } from 'node:fs';
import { createLlmEngine } from '../../../engine/node';
import { resolveModelFolder } from '../../../models/node';
import type { ImplResult } from './result';
import { normalizeOutput, type WorkloadRequest } from './workload';

const [workloadFile, modelDir, outFile, threadsArg, batchArg, mode] = process.argv.slice(2);
const workload = JSON.parse(readFileSync(workloadFile, 'utf8')) as { requests: WorkloadRequest[]; eos: number[]; pad: number };

const t0 = performance.now();
// A worker thread in this process (started with the CLI's malloc settings), so that peak RSS
// counts the engine too; the CLI forks a process instead.
const engine = await createLlmEngine(await resolveModelFolder(modelDir), { host: 'thread', threads: Number(threadsArg), maxBatch: Number(batchArg) });
const loadMs = performance.now() - t0;

if (mode === 'batch1') {
  // A short prompt, 128 tokens: decode reads every weight once per token.
  const s0 = await engine.stats();
  const r = await engine.generate({ promptTokenIds: workload.requests[0].promptIds.slice(0, 32), sampling: { maxNewTokens: 129, ignoreEos: true } });
  const s1 = await engine.stats();
  const decodeTokPerS = (s1.numDecodeTokens - s0.numDecodeTokens) / ((s1.decodeMs - s0.decodeMs) / 1000);
  await engine.dispose();
  writeFileSync(outFile, JSON.stringify({ decodeTokPerS, tokens: r.tokenIds.length }));
  process.exit(0);
}

const g0 = performance.now();
const results = await Promise.all(
  workload.requests.map((r) => engine.generate({ requestId: r.id, promptTokenIds: r.promptIds, sampling: { maxNewTokens: r.maxNewTokens } })),
);
const generateMs = performance.now() - g0;
const stats = await engine.stats();
const outputs: Record<string, number[]> = {};
let generated = 0;
results.forEach((r, i) => {
  const req = workload.requests[i];
  outputs[req.id] = normalizeOutput(r.tokenIds, req.maxNewTokens, workload.eos);
  generated += r.tokenIds.length;
});

await engine.dispose();
const result: ImplResult = {
  impl: 'ours',
  outputs,
  generatedTokens: generated,
  promptTokens: workload.requests.reduce((n, r) => n + r.promptIds.length, 0),
  loadMs,
  generateMs,
  prefillMs: stats.prefillMs,
  decodeMs: stats.decodeMs,
  decodeTokens: stats.numDecodeTokens,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
};
writeFileSync(outFile, JSON.stringify(result));
