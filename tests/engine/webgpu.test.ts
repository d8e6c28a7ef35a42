import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
      const history = 'User: I moved to Lisbon last spring with my two kids and I work night shifts at the hospital, so mornings are hard, evenings are busy and the weekends belong to the children and their friends. ';
      const texts = [`${history}What should I cook?`, `${history}Any advice on sleep for someone like me, please?`, 'Hi', `${history}Plan a weekend.`, 'The capital of France is', `${history}Which school?`];
      const limits = [2, 9, 4, 7, 3, 6];
      const prompts = texts.map((t) => cpu.tokenizer.encode(t));
      const want = await Promise.all(prompts.map((ids, i) => cpu.generate({ promptTokenIds: ids, sampling: { maxNewTokens: limits[i] } })));
      const events: string[] = [];
      const got = await Promise.all(
        prompts.map(async (ids, i) => {
          let first = true;
          const r = await gpu.generate({
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
      expect(got.map((r) => r.tokenIds)).toEqual(want.map((r) => r.tokenIds));
      const stats = await gpu.stats();
      expect(stats.maxBatchSize).toBe(3);
      // The shared history was computed once and reused by the other requests that carry it.
      expect(got.filter((r) => r.numCachedTokens > 0).length).toBeGreaterThanOrEqual(3);
      expect(stats.numCachedPromptTokens).toBeGreaterThan(0);
      // Continuous batching: some request started after another ended, while a request that
      // started before it was still running (a static batch would have drained first).
      const at = (e: string) => events.indexOf(e);
      const joinedRunning = texts.some((_, x) =>
        texts.some((_, y) => at(`end ${y}`) < at(`start ${x}`) && texts.some((_, z) => z !== y && at(`start ${z}`) < at(`start ${x}`) && at(`end ${z}`) > at(`start ${x}`))),
      );
      expect(joinedRunning, events.join(', ')).toBe(true);
    } finally {
      await gpu.dispose();
    }
  }, 900_000);

  it('runs a GroupQueryAttention export one request at a time on the device, with the CPU\'s tokens', async () => {
    const gqa = await resolveModelFolder(await ensureTinyModel({ preset: 'test', attention: 'gqa' }));
    const cpuGqa = await createLlmEngine(gqa, { worker: false, threads: 2 });
    const gpuGqa = await createLlmEngine(gqa, { worker: false, device: 'webgpu', threads: 2 });
    try {
      const prompts = ['Hi', 'The capital of France is'].map((p) => cpuGqa.tokenizer.encode(p));
      const limits = [3, 6];
      const want = await Promise.all(prompts.map((ids, i) => cpuGqa.generate({ promptTokenIds: ids, sampling: { maxNewTokens: limits[i] } })));
      const got = await Promise.all(prompts.map((ids, i) => gpuGqa.generate({ promptTokenIds: ids, sampling: { maxNewTokens: limits[i] } })));
      expect(got.map((r) => r.error?.message ?? r.tokenIds)).toEqual(want.map((r) => r.tokenIds));
      expect((await gpuGqa.stats()).maxBatchSize).toBe(1);
    } finally {
      await cpuGqa.dispose();
      await gpuGqa.dispose();
    }
  }, 600_000);
});
