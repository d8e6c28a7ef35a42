import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATHWAYS, parseDataset, sftTarget, type DialogItem } from '../../pathways';
import { MetricsRecordSchema, PredictionRecordSchema, RunRecordSchema } from '../../bench/runlog/schema';
import { runCli, runCliAsync } from '../helpers/cli';
import { startScriptedServer, type ScriptedServer } from '../helpers/fake-openai';
import { itWithReference, referencePath } from '../helpers/reference';
import { ensureTinyModel } from '../helpers/tiny-model';

const DATA = 'filtered_data_test_1000.jsonl';
let modelDir: string;
let scratch: string;

beforeAll(async () => {
  modelDir = await ensureTinyModel({ preset: 'test' });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'ipd-run-'));
});

const jsonl = (f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

describe('ipdialog run on the tiny model', () => {
  itWithReference(
    'writes 40 predictions, metrics for 10 tasks and a report; after SIGKILL a rerun ends with 40 distinct items',
    [DATA],
    async () => {
      const out = path.join(scratch, 'killed');
      const args = ['run', '--model', modelDir, '--pathway', 'type-guided', '--per-task', '4', '--data', referencePath(DATA), '--out', out, '--max-new-tokens', '48', '--max-batch', '4', '--threads', '2'];
      // Kill the first run once a few predictions are on disk, as a crash would.
      const control: { kill?: () => void } = {};
      const predictions = path.join(out, 'predictions.jsonl');
      const watcher = setInterval(() => {
        if (existsSync(predictions) && jsonl(predictions).length >= 6) control.kill?.();
      }, 50);
      const first = await runCliAsync(args, control);
      clearInterval(watcher);
      expect(first.signal).toBe('SIGKILL');
      const partial = jsonl(predictions);
      expect(partial.length).toBeGreaterThanOrEqual(6);
      expect(partial.length).toBeLessThan(40);
      expect(RunRecordSchema.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'))).status).toBe('started');

      const second = runCli(args);
      expect(second.status, second.stderr).toBe(0);
      expect(second.stderr).toMatch(new RegExp(`run: ${40 - partial.length} generated, ${partial.length} resumed, 40 in all`));
      const all = jsonl(predictions).map((p) => PredictionRecordSchema.parse(p));
      expect(all).toHaveLength(40);
      expect(new Set(all.map((p) => `${p.pathway}/${p.line}`)).size).toBe(40);
      // What was written before the crash is kept as it was.
      expect(all.slice(0, partial.length)).toEqual(partial.map((p) => PredictionRecordSchema.parse(p)));
      const items = parseDataset(readFileSync(referencePath(DATA), 'utf8'), DATA).items;
      const expectedLines = new Set(items.filter((_, i) => items.slice(0, i).filter((x) => x.item.task === items[i].item.task).length < 4).map((x) => x.source.line));
      expect(new Set(all.map((p) => p.line))).toEqual(expectedLines);

      const metrics = MetricsRecordSchema.parse(JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')));
      expect(Object.keys(metrics.pathways['type-guided'].tasks)).toHaveLength(10);
      for (const t of Object.values(metrics.pathways['type-guided'].tasks)) expect(t.count).toBe(4);
      const run = RunRecordSchema.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')));
      expect(run.status).toBe('success');
      expect(run.stats.items_done).toBe(40);
      expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('<canvas');

      // The same command again has nothing left to do.
      const third = runCli(args);
      expect(third.stderr).toMatch(/run: 0 generated, 40 resumed/);
      expect(jsonl(predictions)).toHaveLength(40);
    },
    600_000,
  );

  itWithReference('refuses changed settings against an existing run unless --force', [DATA], () => {
    const out = path.join(scratch, 'conflict');
    const base = ['run', '--model', modelDir, '--pathway', 'direct-response', '--per-task', '1', '--data', referencePath(DATA), '--out', out, '--threads', '2'];
    expect(runCli([...base, '--max-new-tokens', '8']).status).toBe(0);
    const changed = runCli([...base, '--max-new-tokens', '16']);
    expect(changed.status).toBe(1);
    expect(changed.stderr).toMatch(/RUN_CONFLICT.*other settings/);
    expect(changed.stderr).toMatch(/max_new_tokens: \{"direct-response":8\} -> \{"direct-response":16\}/);
    const forced = runCli([...base, '--max-new-tokens', '16', '--force']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/run: 10 generated, 10 in all/);
  });
});

/** Answers like the GT in the pathway's layout, with every third item's answer broken. */
function oracle(items: DialogItem[]) {
  const byPrompt = new Map<string, string>();
  items.forEach((item, i) => {
    for (const p of PATHWAYS.values()) {
      const target = sftTarget(item, p.id);
      byPrompt.set(p.render(item), i % 3 === 0 ? target.replace(/- Answer: \[[^\]]*\]/, '- Answer: [something else]') : target);
    }
  });
  return (prompt: string) => {
    if (prompt.startsWith('Suppose you are a user')) {
      // Judge prompts: a well-formed verdict, except garbage for prompts about long requests.
      return prompt.length % 4 === 0 ? 'I refuse to grade this.' : '[Conciseness: 1, Personalization: 3, Analysis Quality: 2, Answer Accuracy: 4]\n[Total: 10]';
    }
    return byPrompt.get(prompt) ?? 'no idea';
  };
}

describe('ipdialog run against a scripted server', () => {
  let server: ScriptedServer;
  let out: string;

  beforeAll(async () => {
    if (!existsSync(referencePath(DATA))) return;
    const items = parseDataset(readFileSync(referencePath(DATA), 'utf8'), DATA).items.map((x) => x.item);
    server = await startScriptedServer(oracle(items));
    out = path.join(scratch, 'scripted');
  });
  afterAll(async () => server?.close());

  itWithReference('scores as it goes; ipdialog score on the run gives the metrics.json numbers; the judge fills its section', [DATA], async () => {
    const res = await runCliAsync(['run', '--backend', 'openai', '--base-url', server.baseUrl, '--pathway', 'task-related,direct-response', '--per-task', '10', '--data', referencePath(DATA), '--out', out, '--judge', 'fake-model']);
    expect(res.status, res.stderr).toBe(0);
    const metrics = MetricsRecordSchema.parse(JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')));
    const tr = metrics.pathways['task-related'];
    // The oracle answers 2 in 3 items right: scores are neither 0 nor full.
    expect(tr.overall.mean.answer_acc).toBeGreaterThan(0.4);
    expect(tr.overall.mean.answer_acc).toBeLessThan(0.95);
    expect(tr.overall.mean.attribute_f1).toBe(1);
    expect(metrics.pathways['direct-response'].overall.mean.attribute_f1).toBe(0);

    for (const pathway of ['task-related', 'direct-response']) {
      const scored = runCli(['score', '--run', out, '--pathway', pathway, '--format', 'json']);
      expect(scored.status, scored.stderr).toBe(0);
      const json = JSON.parse(scored.stdout);
      for (const t of json.tasks) {
        const m = metrics.pathways[pathway].tasks[t.task];
        expect(t.sums).toEqual(m.sum);
        for (const k of Object.keys(m.mean) as Array<keyof typeof m.mean>) expect(t.means[k]).toBeCloseTo(m.mean[k], 12);
      }
    }

    // Every 10th item per pathway was judged; garbage verdicts are counted and listed.
    const judged = jsonl(path.join(out, 'judge.jsonl'));
    expect(judged).toHaveLength(20);
    const failed = judged.filter((j) => j.status !== 'ok');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(20);
    const judge = tr.judge!;
    expect(judge.failures + metrics.pathways['direct-response'].judge!.failures).toBe(failed.length);
    for (const t of Object.values(judge.tasks)) expect(t.mean.Total).toBe(10);
    expect(RunRecordSchema.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'))).spec.judge).toEqual({ model: 'fake-model', sample: 'every-10th' });
  });

  itWithReference('ipdialog judge --judge-sample all re-judges an existing run', [DATA], async () => {
    const res = await runCliAsync(['judge', '--run', out, '--judge', 'other-judge', '--judge-sample', 'all', '--backend', 'openai', '--base-url', server.baseUrl]);
    expect(res.status, res.stderr).toBe(0);
    const judged = jsonl(path.join(out, 'judge.jsonl'));
    expect(judged).toHaveLength(200);
    expect(new Set(judged.map((j) => j.judge_model))).toEqual(new Set(['other-judge']));
  });
});

describe('run writes what it is told', () => {
  it('fails with a usage error for an unknown pathway before loading anything', () => {
    const res = runCli(['run', '--model', '/nonexistent', '--pathway', 'sing', '--out', path.join(os.tmpdir(), 'x'), '--data', '/nonexistent']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/unknown pathway "sing"/);
  });
});
