// ensureTinyModel: vitest workers race to build the same cached model; exactly one folder results.
import { spawn } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { TINY_MODEL_CACHE } from '../helpers/tiny-model';
import { REPO_ROOT } from '../helpers/cli';

function run(script: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO_ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('ensureTinyModel', () => {
  it('survives concurrent builders: one complete folder, no temp folders left', async () => {
    // A seed no other test uses, so this test always starts from an empty cache entry.
    const seed = 100_000 + (process.pid % 100_000);
    const script = path.join(os.tmpdir(), `tiny-race-${process.pid}.mjs`);
    await writeFile(
      script,
      `const { ensureTinyModel } = await import(${JSON.stringify(path.join(REPO_ROOT, 'tests/helpers/tiny-model.ts'))});\n` +
        `console.log(await ensureTinyModel({ seed: Number(process.argv[2]), architecture: { vocabSize: 4096, numLayers: 1 } }));\n`,
    );
    try {
      const results = await Promise.all([0, 1, 2].map(() => run(script, [String(seed)])));
      for (const r of results) expect(r.code, r.err).toBe(0);
      const dirs = new Set(results.map((r) => r.out.trim()));
      expect(dirs.size).toBe(1);
      const [dir] = dirs;
      expect(path.dirname(dir)).toBe(TINY_MODEL_CACHE);
      expect((await readdir(TINY_MODEL_CACHE)).filter((e) => e.startsWith('.tmp-') && e.includes(`-s${seed}-`))).toEqual([]);
      const session = await ort.InferenceSession.create(path.join(dir, 'onnx/model.onnx'));
      expect(session.outputNames).toEqual(['logits', 'present.0.key', 'present.0.value']);
      await rm(dir, { recursive: true, force: true });
    } finally {
      await rm(script, { force: true });
    }
  });
});
