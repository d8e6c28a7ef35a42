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
});
