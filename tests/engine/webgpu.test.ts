import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpdError } from '../../common';
import { LlmEngine } from '../../engine';
import { coreSpecOf, createLlmEngine, loadCore } from '../../engine/node';
import { resolveModelFolder, type ResolvedModel } from '../../models/node';
import { ensureTinyModel } from '../helpers/tiny-model';

// onnxruntime-node's WebGPU provider needs a Vulkan driver; on a GPU-less machine Debian
// chromium's SwiftShader gives a software one (correct, slow: test preset only).
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const available = existsSync(SWIFTSHADER);
if (available) {
  process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;
  const runtime = path.join(os.tmpdir(), `xdg-${process.getuid?.() ?? 0}`);
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR ??= runtime;
}
const describeGpu = available || process.env.CI === 'true' ? describe : describe.skip;

let model: ResolvedModel;
let cpu: LlmEngine;

beforeAll(async () => {
  model = await resolveModelFolder(await ensureTinyModel({ preset: 'test' }));
  cpu = await createLlmEngine(model, { worker: false, threads: 2 });
});

afterAll(async () => {
  await cpu?.dispose();
});

/** One long history that several prompts share (prefix reuse), longer than the scheduler's minimum. */
const HISTORY = 'User: I moved to Lisbon last spring with my two kids and I work night shifts at the hospital, so mornings are hard, evenings are busy and the weekends belong to the children and their friends. ';

/** Submits every prompt at once and records when each request got its first token and when it ended. */
async function generateAll(engine: LlmEngine, prompts: number[][], limits: number[]): Promise<{ got: Awaited<ReturnType<LlmEngine['generate']>>[]; events: string[] }> {
  const events: string[] = [];
  const got = await Promise.all(
    prompts.map(async (ids, i) => {
      let first = true;
      const r = await engine.generate({
        promptTokenIds: ids,
        sampling: { maxNewTokens: limits[i] },
        onTokens: () => {
          if (first) events.push(`start ${i}`);
          first = false;
        },
      });
      events.push(`end ${i}`);
      return r;
    }),
  );
  return { got, events };
}

/**
 * Continuous batching: some request started after another ended, while a request that
 * started before it was still running (a static batch would have drained first).
 */
function joinedWhileRunning(events: string[], n: number): boolean {
  const at = (e: string) => events.indexOf(e);
  const ids = Array.from({ length: n }, (_, i) => i);
  return ids.some((x) => ids.some((y) => at(`end ${y}`) < at(`start ${x}`) && ids.some((z) => z !== y && at(`start ${z}`) < at(`start ${x}`) && at(`end ${z}`) > at(`start ${x}`))));
}

describeGpu('WebGPU provider (SwiftShader)', () => {
  it('keeps the KV cache on the device', async () => {
    const loaded = await loadCore(coreSpecOf(model), { device: 'webgpu', threads: 2 });
    try {
      expect(loaded.device).toBe('webgpu');
      expect(loaded.runner.kvOnDevice).toBe(true);
      const step = await loaded.runner.prefill([[128000, 9906, 1917]], undefined, false);
      expect(step.presentKeys).toHaveLength(model.config.numLayers);
      for (const t of [...step.presentKeys!, ...step.presentValues!]) {
        expect(t.location).toBe('gpu-buffer');
        t.dispose();
      }
      // Only the greedy next token crosses to the host.
      expect(step.nextTokens).toHaveLength(1);
      expect(step.newKeys).toEqual([]);
    } finally {
      await loaded.session.release();
    }
  });

  it('refuses an fp16 graph before loading it, since SwiftShader lacks shader-f16', async () => {
    const fp16 = await resolveModelFolder(await ensureTinyModel({ preset: 'test', dtypes: ['fp16'] }), { dtype: 'fp16' });
    const err = await loadCore(coreSpecOf(fp16), { device: 'webgpu', threads: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IpdError);
    expect((err as IpdError).code).toBe('DEVICE_UNAVAILABLE');
    expect((err as IpdError).message).toMatch(/model_fp16\.onnx computes in fp16, but the WebGPU adapter lacks the "shader-f16" feature/);
    expect((err as IpdError).hint).toMatch(/--dtype fp32 or --dtype q4/);
  });

  it('gives the same greedy tokens as the CPU, alone and in a batch', async () => {
    const gpu = await createLlmEngine(model, { worker: false, device: 'webgpu', threads: 2 });
    try {
      const prompts = ['The capital of France is', 'Hi', 'a b c d e f g h i j k'].map((p) => cpu.tokenizer.encode(p));
      const want = await Promise.all(prompts.map((ids) => cpu.generate({ promptTokenIds: ids, sampling: { maxNewTokens: 6 } })));
      const alone = await gpu.generate({ promptTokenIds: prompts[0], sampling: { maxNewTokens: 6 } });
      expect(alone.tokenIds).toEqual(want[0].tokenIds);
      const batch = await Promise.all(prompts.map((ids) => gpu.generate({ promptTokenIds: ids, sampling: { maxNewTokens: 6 } })));
      expect(batch.map((r) => r.tokenIds)).toEqual(want.map((r) => r.tokenIds));
      expect(gpu.info.device).toBe('webgpu');
    } finally {
      await gpu.dispose();
    }
  }, 600_000);

  it('batches continuously and reuses prefixes on the device, with the CPU\'s tokens', async () => {
    const gpu = await createLlmEngine(model, { worker: false, device: 'webgpu', threads: 2, maxBatch: 3, lengthRatio: 10 });
    try {
      // One long history in four prompts (prefix reuse, suffixes of different lengths: the
      // padding sits between prefix and suffix), two short unrelated ones; mixed limits so
      // rows leave at different steps and waiting requests take their places.
      const texts = [`${HISTORY}What should I cook?`, `${HISTORY}Any advice on sleep for someone like me, please?`, 'Hi', `${HISTORY}Plan a weekend.`, 'The capital of France is', `${HISTORY}Which school?`];
      const limits = [2, 9, 4, 7, 3, 6];
      const prompts = texts.map((t) => cpu.tokenizer.encode(t));
      const want = await Promise.all(prompts.map((ids, i) => cpu.generate({ promptTokenIds: ids, sampling: { maxNewTokens: limits[i] } })));
      const { got, events } = await generateAll(gpu, prompts, limits);
      expect(got.map((r) => r.tokenIds)).toEqual(want.map((r) => r.tokenIds));
      const stats = await gpu.stats();
      expect(stats.maxBatchSize).toBe(3);
      // The shared history was computed once and reused by the other requests that carry it.
      expect(got.filter((r) => r.numCachedTokens > 0).length).toBeGreaterThanOrEqual(3);
      expect(stats.numCachedPromptTokens).toBeGreaterThan(0);
      expect(joinedWhileRunning(events, texts.length), events.join(', ')).toBe(true);
    } finally {
      await gpu.dispose();
    }
  }, 900_000);

  it('batches a GroupQueryAttention export continuously on the device, reusing a prefix, with the CPU\'s tokens', async () => {
    const gqa = await resolveModelFolder(await ensureTinyModel({ preset: 'test', attention: 'gqa' }));
    const cpuGqa = await createLlmEngine(gqa, { worker: false, threads: 2 });
    // Every prefill step here stays under 32 tokens (so the shared history is short, and the
    // prefix threshold lower): onnxruntime's WebGPU flash-attention prefill, which takes over
    // at 32 new tokens, assumes subgroups of at least 8 lanes, and SwiftShader's have 4.
    const gpuGqa = await createLlmEngine(gqa, { worker: false, device: 'webgpu', threads: 2, maxBatch: 3, minSharedPrefix: 16 });
    try {
      // The history in three prompts (computed once, each suffix prefilled on top of it) and
      // two short prompts: rows of different lengths decode together, right-padded, and mixed
      // limits make rows leave at different steps so waiting requests join the running batch.
      const history = 'User: I moved to Lisbon last spring with my two kids and I work night shifts at the hospital. ';
      const texts = [`${history}What should I cook?`, 'Hi', `${history}Any advice on sleep, please?`, 'The capital of France is', `${history}Which school?`];
      const limits = [2, 5, 4, 3, 4];
      const prompts = texts.map((t) => cpuGqa.tokenizer.encode(t));
      expect(Math.max(...prompts.map((p) => p.length))).toBeLessThan(32);
      // The CPU reference runs each request alone.
      const want: number[][] = [];
      for (const [i, ids] of prompts.entries()) want.push((await cpuGqa.generate({ promptTokenIds: ids, sampling: { maxNewTokens: limits[i] } })).tokenIds);
      const { got, events } = await generateAll(gpuGqa, prompts, limits);
      expect(got.map((r) => r.error?.message ?? r.tokenIds)).toEqual(want);
      const stats = await gpuGqa.stats();
      expect(stats.maxBatchSize).toBe(3);
      // The history was computed once and the later prompts carrying it started from its KV
      // (the first may run before the others arrive); the unrelated prompts computed everything.
      const shared = prompts[2].findIndex((t, j) => t !== prompts[4][j]);
      expect([2, 4].map((i) => got[i].numCachedTokens)).toEqual([shared, shared]);
      expect([1, 3].map((i) => got[i].numCachedTokens)).toEqual([0, 0]);
      expect(joinedWhileRunning(events, texts.length), events.join(', ')).toBe(true);
    } finally {
      await cpuGqa.dispose();
      await gpuGqa.dispose();
    }
  }, 600_000);
});
