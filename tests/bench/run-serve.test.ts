import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { CLI, runCliAsync } from '../helpers/cli';
import { itWithReference, referencePath } from '../helpers/reference';
import { ensureTinyModel } from '../helpers/tiny-model';

const DATA = 'filtered_data_test_1000.jsonl';
let modelDir: string;
let scratch: string;
let server: ChildProcess | undefined;
let baseUrl = '';

beforeAll(async () => {
  modelDir = await ensureTinyModel({ preset: 'test' });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'ipd-run-serve-'));
  server = spawn(process.execPath, [CLI, 'serve', '--model', modelDir, '--port', '0', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
      if (m) resolve(m[1]);
    });
    server!.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
});

afterAll(() => {
  server?.kill('SIGTERM');
});

const jsonl = (f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

describe('ipdialog run through the OpenAI-compatible client backend', () => {
  itWithReference('gives the same predictions against ipdialog serve as in process (greedy)', [DATA], async () => {
    const common = ['--pathway', 'attribute-filter', '--per-task', '1', '--data', referencePath(DATA), '--max-new-tokens', '24'];
    const local = path.join(scratch, 'local');
    const remote = path.join(scratch, 'remote');
    const [a, b] = await Promise.all([
      runCliAsync(['run', '--model', modelDir, '--threads', '1', ...common, '--out', local]),
      runCliAsync(['run', '--backend', 'openai', '--base-url', baseUrl, ...common, '--out', remote]),
    ]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const key = (p: { line: number }) => p.line;
    const byLine = (f: string) => jsonl(f).sort((x, y) => key(x) - key(y));
    const want = byLine(path.join(local, 'predictions.jsonl'));
    const got = byLine(path.join(remote, 'predictions.jsonl'));
    expect(got).toHaveLength(10);
    expect(got.map((p) => p.response)).toEqual(want.map((p) => p.response));
    expect(got.map((p) => p.metrics)).toEqual(want.map((p) => p.metrics));
    expect(got.map((p) => p.prompt_tokens)).toEqual(want.map((p) => p.prompt_tokens));
  });
});
