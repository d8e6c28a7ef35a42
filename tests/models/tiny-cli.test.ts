import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { ensureTinyModel } from '../helpers/tiny-model';

describe('ipdialog tiny-model', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tiny-cli-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('writes the same bytes as the library for the same options', async () => {
    const out = path.join(tmp, 'model');
    const r = runCli(['tiny-model', '--preset', 'test', '--out', out, '--seed', '0']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote tiny-test-s0-llama-fp32 \(16\.5M parameters\)/);
    const cached = await ensureTinyModel({ preset: 'test', seed: 0 });
    for (const f of ['onnx/model.onnx', 'config.json', 'generation_config.json', 'tokenizer_config.json']) {
      expect((await readFile(path.join(out, f))).equals(await readFile(path.join(cached, f))), f).toBe(true);
    }
  });

  it('turns the variant flags into options', async () => {
    const out = path.join(tmp, 'variant');
    const r = runCli(['tiny-model', '--out', out, '--dtype', 'fp16,q4f16', '--family', 'qwen2', '--attention', 'gqa', '--no-position-ids', '--num-logits-to-keep', '--external-data']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('tiny-test-s0-qwen2-fp16+q4f16-gqa-nopos-keep-ext');
    expect((await readdir(path.join(out, 'onnx'))).sort()).toEqual(['model_fp16.onnx', 'model_fp16.onnx_data', 'model_q4f16.onnx', 'model_q4f16.onnx_data']);
    const config = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'qwen2', torch_dtype: 'float16', 'transformers.js_config': { dtype: 'fp16' } });
  });

  it('refuses a non-empty folder unless --force, which replaces only model files', async () => {
    const out = path.join(tmp, 'existing');
    expect(runCli(['tiny-model', '--out', out, '--dtype', 'q4']).status).toBe(0);
    await writeFile(path.join(out, 'notes.txt'), 'mine');
    const refused = runCli(['tiny-model', '--out', out]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/not empty.*--force/s);
    const forced = runCli(['tiny-model', '--out', out, '--force']);
    expect(forced.status, forced.stderr).toBe(0);
    expect((await readdir(path.join(out, 'onnx'))).sort()).toEqual(['model.onnx']);
    expect(await readFile(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('rejects bad values with a usage error', () => {
    const r = runCli(['tiny-model', '--out', path.join(tmp, 'bad'), '--dtype', 'int8']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown dtype "int8"');
  });
});
