import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IpdError } from '../../common';
import { loadCore } from '../../engine/node';
import { resolveModelFolder } from '../../models/node';
import { runCli } from '../helpers/cli';
import { cudaProviderInstalled } from '../helpers/cuda';
import { ensureTinyModel } from '../helpers/tiny-model';

let modelDir: string;
let scratch: string;

beforeAll(async () => {
  modelDir = await ensureTinyModel({ preset: 'test' });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'ipd-errors-'));
});

function copyModel(name: string): string {
  const dir = path.join(scratch, name);
  cpSync(modelDir, dir, { recursive: true });
  return dir;
}

async function errorOf(p: Promise<unknown>): Promise<IpdError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(IpdError);
    return err as IpdError;
  }
  throw new Error('expected an error');
}

describe('named errors', () => {
  it('missing model folder', async () => {
    const e = await errorOf(resolveModelFolder(path.join(scratch, 'nope')));
    expect(e.code).toBe('MODEL_NOT_FOUND');
    expect(e.message).toMatch(/does not exist/);
  });

  it('missing files in a model folder', async () => {
    const dir = copyModel('no-tokenizer');
    rmSync(path.join(dir, 'tokenizer.json'));
    expect((await errorOf(resolveModelFolder(dir))).message).toMatch(/missing tokenizer\.json/);
    const dir2 = copyModel('no-onnx');
    rmSync(path.join(dir2, 'onnx'), { recursive: true });
    const e = await errorOf(resolveModelFolder(dir2));
    expect(e.message).toMatch(/no ONNX graph/);
    const dir3 = copyModel('no-fp16');
    const e3 = await errorOf(resolveModelFolder(dir3, { dtype: 'fp16' }));
    expect(e3.message).toMatch(/model_fp16\.onnx/);
    expect(e3.hint).toMatch(/available dtypes: fp32/);
  });

  it('a config.json that does not match the graph', async () => {
    const dir = copyModel('bad-config');
    const cfgFile = path.join(dir, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, num_hidden_layers: cfg.num_hidden_layers + 1 }));
    const m = await resolveModelFolder(dir);
    const e = await errorOf(loadCore({ onnxPath: m.onnxPath, externalData: [], config: m.config }, { threads: 1 }));
    expect(e.code).toBe('MODEL_INVALID');
    expect(e.field).toBe('num_hidden_layers');
    expect(e.message).toMatch(/config\.json num_hidden_layers is 3 but the graph .* has 2/);

    writeFileSync(cfgFile, JSON.stringify({ ...cfg, num_key_value_heads: 4 }));
    const m2 = await resolveModelFolder(dir);
    const e2 = await errorOf(loadCore({ onnxPath: m2.onnxPath, externalData: [], config: m2.config }, { threads: 1 }));
    expect(e2.field).toBe('num_key_value_heads');
  });

  it('a truncated graph', async () => {
    const dir = copyModel('truncated');
    const f = path.join(dir, 'onnx/model.onnx');
    const bytes = readFileSync(f);
    writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length / 3)));
    const m = await resolveModelFolder(dir);
    const e = await errorOf(loadCore({ onnxPath: m.onnxPath, externalData: [], config: m.config }, { threads: 1 }));
    expect(e.code).toBe('MODEL_INVALID');
    expect(e.message).toMatch(/not a readable ONNX model/);
  });

  // Where the CUDA provider is installed, CUDA may well load: nothing to assert then.
  it.skipIf(cudaProviderInstalled())('a device that cannot load', async () => {
    const m = await resolveModelFolder(modelDir);
    const e = await errorOf(loadCore({ onnxPath: m.onnxPath, externalData: [], config: m.config }, { device: 'cuda', threads: 1 }));
    expect(e.code).toBe('DEVICE_UNAVAILABLE');
    expect(e.hint).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
  });

  it('generate: an unreadable tokenizer.json is named, and the command ends (the engine process it started is stopped)', () => {
    const dir = copyModel('broken-tokenizer');
    writeFileSync(path.join(dir, 'tokenizer.json'), '{"model": ');
    const input = path.join(scratch, 'in-tok.jsonl');
    writeFileSync(input, '{"id": 1, "prompt": "ok"}\n');
    // Before the fix the error was printed and the process waited for the forked engine forever.
    const res = runCli(['generate', '--model', dir, '--input', input, '--out', path.join(scratch, 'out-tok.jsonl')], { timeout: 120_000 });
    expect(res.signal, 'still running after 120 s').toBeNull();
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/cannot load the tokenizer of .*broken-tokenizer/);
  });

  it('generate: an input line without prompt or messages, through the CLI', () => {
    const input = path.join(scratch, 'in.jsonl');
    writeFileSync(input, '{"id": 1, "prompt": "ok"}\n{"id": 2}\n{"id": 3, "messages": []}\nnot json\n');
    const res = runCli(['generate', '--model', modelDir, '--input', input, '--out', path.join(scratch, 'out.jsonl')]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/in\.jsonl line 2: prompt: needs "prompt" or "messages"/);
    expect(res.stderr).toMatch(/in\.jsonl line 3: messages:/);
    expect(res.stderr).toMatch(/in\.jsonl line 4: \(line\): invalid JSON/);
  });
});
