// One measured process: our engine or the transformers.js reference on a workload file, in
// a process of its own (spawned by spawnMeasured through `ipdialog bench-worker`), so that
// wall time counts start, model load and generation, and peak RSS is that side's alone.
import { readFileSync, writeFileSync } from 'node:fs';
import { createLlmEngine } from '../../../engine/node';
import { IpdError } from '../../../common';
import type { Dtype, TextTokenizer } from '../../../models';
import { resolveModelFolder } from '../../../models/node';
import { TransformersJsReference } from '../../backends/transformersjs';
import type { ImplResult } from './result';
import { weightBytesPerToken } from './weight-bytes';
import { normalizeOutput, type WorkloadFile } from './workload';

/**
 * What a measured process writes on stderr as its requests complete (the reference's static
 * batches, in length order): spawnMeasured reads these lines, so a sweep can stop a batch
 * size that falls behind on the same requests.
 */
export const PROGRESS_LINE = 'ipd-progress ';

export interface MeasuredConfig {
  impl: 'ours' | 'transformers.js';
  workloadFile: string;
  modelDir: string;
  dtype: Dtype;
  device: 'cpu' | 'webgpu' | 'cuda';
  threads: number;
  outFile: string;
  /** ours: most rows decoding together. */
  maxBatch?: number;
  numerics?: 'exact' | 'fast';
  prefixCacheBytes?: number;
  /** transformers.js: prompts per static batch. */
  batchSize?: number;
  /** `batch1`: one request alone, decode speed only (ours). */
  mode?: 'workload' | 'batch1';
  /** batch1: decode steps timed (default 128; `ipdialog bench --max-new-tokens` lowers it). */
  batch1Tokens?: number;
}

export async function runMeasuredProcess(cfg: MeasuredConfig): Promise<void> {
  const workload = JSON.parse(readFileSync(cfg.workloadFile, 'utf8')) as WorkloadFile;
  const t0 = performance.now();
  const model = await resolveModelFolder(cfg.modelDir, { dtype: cfg.dtype });
  if (cfg.impl === 'transformers.js') {
    const ref = await TransformersJsReference.load(model, { batchSize: cfg.batchSize, threads: cfg.threads, device: cfg.device });
    const loadMs = performance.now() - t0;
    const g0 = performance.now();
    const ids = await ref.generateAll(
      workload.requests.map((r) => ({ promptIds: r.promptIds, maxNewTokens: r.maxNewTokens })),
      {},
      (numDone) => process.stderr.write(`${PROGRESS_LINE}${numDone}\n`),
    );
    const generateMs = performance.now() - g0;
    await ref.dispose();
    const s = ref.stats;
    return write(cfg, workload, ids, { loadMs, generateMs, prefillMs: s.prefillMs, decodeMs: s.decodeMs, decodeTokens: s.numDecodeTokens, cachedPromptTokens: 0 });
  }
  // A worker thread in this process, so that peak RSS counts the engine too (the CLI forks a
  // process instead); this process already runs with the CLI's malloc settings.
  const engine = await createLlmEngine(model, {
    tokenizer: idsOnly(model.dir),
    host: 'thread',
    threads: cfg.threads,
    device: cfg.device,
    maxBatch: cfg.maxBatch,
    numerics: cfg.numerics,
    prefixCacheBytes: cfg.prefixCacheBytes,
  });
  const loadMs = performance.now() - t0;
  if (cfg.mode === 'batch1') {
    // A short prompt and 128 new tokens: each decode step reads every weight once.
    const s0 = await engine.stats();
    await engine.generate({ promptTokenIds: workload.requests[0].promptIds.slice(0, 32), sampling: { maxNewTokens: (cfg.batch1Tokens ?? 128) + 1, ignoreEos: true } });
    const s1 = await engine.stats();
    await engine.dispose();
    const decodeTokPerS = (s1.numDecodeTokens - s0.numDecodeTokens) / ((s1.decodeMs - s0.decodeMs) / 1000);
    // What each decode step streams: the weights of the graph the engine runs (its rewrite).
    const graphFile = engine.info.graphFile;
    const bytesPerToken = graphFile ? await weightBytesPerToken(graphFile) : undefined;
    writeFileSync(cfg.outFile, JSON.stringify({ decodeTokPerS, device: engine.info.device, bytesPerToken }));
    return;
  }
  const g0 = performance.now();
  const results = await Promise.all(
    workload.requests.map((r) => engine.generate({ requestId: r.id, promptTokenIds: r.promptIds, sampling: { maxNewTokens: r.maxNewTokens } })),
  );
  const generateMs = performance.now() - g0;
  const stats = await engine.stats();
  const device = engine.info.device;
  await engine.dispose();
  write(
    cfg,
    workload,
    results.map((r) => r.tokenIds),
    { loadMs, generateMs, prefillMs: stats.prefillMs, decodeMs: stats.decodeMs, decodeTokens: stats.numDecodeTokens, cachedPromptTokens: stats.numCachedPromptTokens },
    device,
  );
}

/**
 * Token ids in, token ids out, as transformers.js' generate() on the other side: neither
 * process loads a tokenizer (Qwen's takes 0.5-1 s here), so neither pays for one.
 */
function idsOnly(source: string): TextTokenizer {
  const noText = (): never => {
    throw new IpdError('USAGE', `the measured process for ${source} works on token ids only`);
  };
  return { encode: noText, encodeChat: noText, renderChat: noText, decode: () => '', hasChatTemplate: false, padTokenId: undefined, eosTokenId: undefined, bosTokenId: undefined };
}

function write(cfg: MeasuredConfig, workload: WorkloadFile, ids: number[][], timing: Omit<ImplResult, 'impl' | 'outputs' | 'generatedTokens' | 'promptTokens' | 'maxRssMb'>, device?: string): void {
  const outputs: Record<string, number[]> = {};
  let generated = 0;
  workload.requests.forEach((r, i) => {
    outputs[r.id] = normalizeOutput(ids[i], r.maxNewTokens, workload.eos);
    generated += outputs[r.id].length;
  });
  const result: ImplResult = {
    impl: cfg.impl,
    outputs,
    generatedTokens: generated,
    promptTokens: workload.requests.reduce((n, r) => n + r.promptIds.length, 0),
    ...timing,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    cpuMs: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1000,
    ...(device && { device }),
  };
  writeFileSync(cfg.outFile, JSON.stringify(result));
}
