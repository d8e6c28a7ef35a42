// One run over three `ipdialog serve` processes on the tiny model, on loopback: the same
// predictions as one endpoint, a capped endpoint serving fewer, an endpoint with another
// model reported at start, and a server killed mid-run whose share moves to the others.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { PredictionRecordSchema, RunRecordSchema, type PredictionRecord } from '../../bench/runlog';
import { CLI, runCliAsync } from '../helpers/cli';
import { startScriptedServer, type ScriptedServer } from '../helpers/fake-openai';
import { itWithReference, referencePath } from '../helpers/reference';
import { ensureTinyModel } from '../helpers/tiny-model';

const DATA = 'filtered_data_test_1000.jsonl';
let scratch: string;
const children: ChildProcess[] = [];
let urls: string[] = [];
let otherModel: ScriptedServer | undefined;

/** `ipdialog serve --port 0` on one thread; resolves with the URL it prints. */
function serve(modelDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--model', modelDir, '--port', '0', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving .* at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening: ${err}`)));
  });
}

beforeAll(async () => {
  const modelDir = await ensureTinyModel({ preset: 'test' });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'ipd-run-fleet-'));
  const started = await Promise.all([serve(modelDir), serve(modelDir), serve(modelDir)]);
  urls = started.map((s) => s.url);
  // A fourth OpenAI-compatible server, serving another model (a scripted one: a fourth
  // engine process would only add start-up time).
  otherModel = await startScriptedServer(() => 'not the same model', 'another-model');
});

afterAll(async () => {
  await otherModel?.close();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const readPredictions = (dir: string): PredictionRecord[] =>
  readFileSync(path.join(dir, 'predictions.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => PredictionRecordSchema.parse(JSON.parse(l)));
const readRun = (dir: string) => RunRecordSchema.parse(JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')));
const key = (p: PredictionRecord) => `${p.pathway}:${p.line}`;
const countBy = (preds: PredictionRecord[], url: string) => preds.filter((p) => p.endpoint === url).length;

describe('ipdialog run over three ipdialog serve endpoints', () => {
  itWithReference(
    'gives the predictions of a single-endpoint run item for item; the capped endpoint serves fewer; another model is reported at start',
    [DATA],
    async () => {
      const common = ['run', '--backend', 'openai', '--pathway', 'all', '--per-task', '1', '--data', referencePath(DATA), '--max-new-tokens', '24'];
      const single = path.join(scratch, 'single');
      const fleet = path.join(scratch, 'fleet');
      const one = await runCliAsync([...common, '--base-url', urls[0], '--out', single]);
      expect(one.status, one.stderr).toBe(0);
      const many = await runCliAsync([...common, '--endpoint', urls[0], '--endpoint', urls[1], '--endpoint', `${urls[2]},max=1`, '--endpoint', otherModel!.baseUrl, '--out', fleet]);
      expect(many.status, many.stderr).toBe(0);
      expect(many.stderr).toContain(`warning: ${otherModel!.baseUrl} serves "another-model", not`);

      const want = new Map(readPredictions(single).map((p) => [key(p), p]));
      const got = readPredictions(fleet);
      expect(got).toHaveLength(50);
      expect(new Set(got.map(key)).size).toBe(50);
      for (const p of got) {
        const w = want.get(key(p))!;
        expect(p.response, key(p)).toBe(w.response);
        expect(p.metrics).toEqual(w.metrics);
        expect([p.prompt_tokens, p.completion_tokens, p.finish_reason]).toEqual([w.prompt_tokens, w.completion_tokens, w.finish_reason]);
      }

      const counts = urls.map((u) => countBy(got, u));
      expect(counts.reduce((a, b) => a + b)).toBe(50);
      expect(countBy(got, otherModel!.baseUrl)).toBe(0);
      // One request at a time against eight: the capped endpoint serves fewer than either other.
      expect(counts[2]).toBeLessThan(counts[0]);
      expect(counts[2]).toBeLessThan(counts[1]);
      expect(readRun(fleet).endpoints!.map((e) => [e.url, e.requests])).toEqual(urls.map((u, i) => [u, counts[i]]));
    },
    240_000,
  );

  itWithReference(
    "finishes when a server is killed mid-run: every item exactly once, the killed server's requests moved to the others",
    [DATA],
    async () => {
      const out = path.join(scratch, 'killed');
      const victim = children[1];
      const predictions = path.join(out, 'predictions.jsonl');
      let numAtKill = -1;
      const watcher = setInterval(() => {
        if (numAtKill >= 0 || !existsSync(predictions)) return;
        const n = readFileSync(predictions, 'utf8').split('\n').filter((l) => l.trim()).length;
        if (n >= 10) {
          numAtKill = n;
          victim.kill('SIGKILL');
        }
      }, 50);
      const r = await runCliAsync(
        ['run', '--backend', 'openai', ...urls.flatMap((u) => ['--endpoint', u]), '--pathway', 'all', '--per-task', '2', '--data', referencePath(DATA), '--max-new-tokens', '32', '--out', out],
        {},
      );
      clearInterval(watcher);
      expect(r.status, r.stderr).toBe(0);
      expect(numAtKill).toBeGreaterThanOrEqual(10);

      const preds = readPredictions(out);
      expect(preds).toHaveLength(100);
      expect(new Set(preds.map(key)).size).toBe(100);
      expect(numAtKill).toBeLessThan(100);
      const [, killed] = readRun(out).endpoints!;
      expect(killed.url).toBe(urls[1]);
      // What it had in flight failed (connection errors) or was moved when it went into
      // cooldown; either way it went back to the queue and the others answered it.
      expect(killed.errors.connection + killed.requeued).toBeGreaterThanOrEqual(1);
      expect(killed.cooldowns).toBeGreaterThanOrEqual(1);
      expect(countBy(preds, urls[1])).toBe(killed.requests);
      expect(countBy(preds, urls[0]) + countBy(preds, urls[2])).toBe(100 - killed.requests);
    },
    240_000,
  );
});
