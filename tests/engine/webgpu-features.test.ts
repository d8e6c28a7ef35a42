import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IpdError } from '../../common';
import { checkWebgpuFeatures } from '../../engine/node-host/load-core';
import { loadWebCore, pickBackend, resolveWebModel, type ModelFiles } from '../../engine/web';
import { ensureTinyModel } from '../helpers/tiny-model';

// fp16 graphs on WebGPU need the adapter feature shader-f16. No GPU here: the adapter (browser)
// and the device probe (Node) are stand-ins that lack it or have it.

async function errorOf(p: Promise<unknown>): Promise<IpdError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IpdError);
  return err as IpdError;
}

/** navigator.gpu handing out one adapter with these features. */
function stubAdapter(features: string[]): void {
  vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => ({ features: new Set(features), info: { vendor: 'google', description: 'SwiftShader' } }) } });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('browser: the adapter is asked before the model loads', () => {
  const model = 'onnx/model_fp16.onnx (fp16)';

  it('fails on an explicit WebGPU choice, naming the feature and the fp32/q4 way out', async () => {
    stubAdapter(['timestamp-query']);
    const e = await errorOf(pickBackend('webgpu', 1, model));
    expect(e.code).toBe('DEVICE_UNAVAILABLE');
    expect(e.message).toContain('"shader-f16"');
    expect(e.message).toContain('SwiftShader');
    expect(e.file).toBe(model);
    expect(e.hint).toMatch(/fp32 or q4/);
  });

  it('falls back to WASM on auto, and says why', async () => {
    stubAdapter([]);
    const b = await pickBackend('auto', 1, model);
    expect(b.device).toBe('wasm');
    expect(b.reason).toMatch(/lacks shader-f16/);
  });

  it('takes WebGPU when the adapter has the feature, or the model computes in fp32', async () => {
    stubAdapter(['shader-f16']);
    expect((await pickBackend('webgpu', 1, model)).device).toBe('webgpu');
    stubAdapter([]);
    expect((await pickBackend('webgpu', 1)).device).toBe('webgpu');
  });

  describe('loading a folder', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await ensureTinyModel({ preset: 'test', dtypes: ['fp16'] });
    });

    it('stops before reading a byte of an fp16 graph', async () => {
      const read: string[] = [];
      const files: ModelFiles = {
        label: 'the test folder',
        has: (p) => readFile(path.join(dir, p)).then(
          () => true,
          () => false,
        ),
        text: (p) => readFile(path.join(dir, p), 'utf8'),
        bytes: async (p) => {
          read.push(p);
          return new Uint8Array(await readFile(path.join(dir, p)));
        },
      };
      stubAdapter([]);
      const folder = await resolveWebModel(files, { dtype: 'fp16' });
      const e = await errorOf(loadWebCore(folder, { device: 'webgpu' }));
      expect(e.code).toBe('DEVICE_UNAVAILABLE');
      expect(e.message).toMatch(/onnx\/model_fp16\.onnx \(fp16\) computes in fp16.*"shader-f16"/);
      expect(read).toEqual([]);
    });
  });
});

describe('Node: the device is probed before the session loads', () => {
  const fp16 = { kvDtype: 'float16', logitsDtype: 'float16' } as const;

  it('fails for an fp16 graph when the device lacks the feature', async () => {
    const e = await errorOf(checkWebgpuFeatures(fp16, 'model_fp16.onnx', async () => false));
    expect(e.code).toBe('DEVICE_UNAVAILABLE');
    expect(e.message).toContain('"shader-f16"');
    expect(e.hint).toMatch(/--dtype fp32 or --dtype q4/);
  });

  it('lets fp32 graphs, devices with the feature, and inconclusive probes through', async () => {
    const probe = vi.fn(async () => false);
    await checkWebgpuFeatures({ kvDtype: 'float32', logitsDtype: 'float32' }, 'model_q4.onnx', probe);
    expect(probe).not.toHaveBeenCalled();
    await expect(checkWebgpuFeatures(fp16, 'model_fp16.onnx', async () => true)).resolves.toBeUndefined();
    // A probe that failed for another reason: the session's own error will say what is wrong.
    await expect(checkWebgpuFeatures(fp16, 'model_fp16.onnx', async () => undefined)).resolves.toBeUndefined();
  });
});
