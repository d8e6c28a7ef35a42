import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_KIND, PATHWAYS, parseDataset, sftTarget, type DialogItem } from '../../pathways';
import { MetricsRecordSchema, PredictionRecordSchema, RunRecordSchema } from '../../bench/runlog';
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
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

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

  itWithReference('records the manifest: the model revision is the sha256 of the ONNX file it ran; runs that predate it resume', [DATA], () => {
    const out = path.join(scratch, 'manifest');
    const args = ['run', '--model', modelDir, '--pathway', 'direct-response', '--per-task', '1', '--data', referencePath(DATA), '--out', out, '--max-new-tokens', '4', '--threads', '2'];
    expect(runCli(args).status).toBe(0);
    const runFile = path.join(out, 'run.json');
    const run = RunRecordSchema.parse(JSON.parse(readFileSync(runFile, 'utf8')));
    // The tiny model keeps its weights inside its one fp32 graph, onnx/model.onnx.
    const graph = path.join(modelDir, 'onnx', 'model.onnx');
    expect(run.spec.model_revision).toBe(`sha256:${createHash('sha256').update(readFileSync(graph)).digest('hex')}`);
    expect(run.spec.dtype).toBe('fp32');
    expect(run.spec.pathway_templates?.['direct-response']).toMatch(/^[0-9a-f]{64}$/);
    expect(run.environment.command_line).toBe(`ipdialog ${args.join(' ')}`);

    // A run written before these were recorded resumes and gains them; a different revision is a conflict.
    const { model_revision: _r, dtype: _d, pathway_templates: _t, ...older } = run.spec;
    writeFileSync(runFile, JSON.stringify({ ...run, spec: older }));
    const resumed = runCli(args);
    expect(resumed.stderr).toMatch(/run: 0 generated, 10 resumed/);
    expect(RunRecordSchema.parse(JSON.parse(readFileSync(runFile, 'utf8'))).spec.model_revision).toBe(run.spec.model_revision);
    writeFileSync(runFile, JSON.stringify({ ...run, spec: { ...run.spec, model_revision: 'sha256:0000' } }));
    const conflict = runCli(args);
    expect(conflict.status).toBe(1);
    expect(conflict.stderr).toMatch(/model_revision: "sha256:0000" -> "sha256:[0-9a-f]{64}"/);
  });
});

/** Answers like the GT in the pathway's layout, with the answer of every item at a data-file position divisible by 3 broken. */
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
      // Judge prompts: a well-formed verdict, except garbage for a quarter of them (by length).
      return prompt.length % 4 === 0 ? 'I refuse to grade this.' : '[Conciseness: 1, Personalization: 3, Analysis Quality: 2, Answer Accuracy: 4]\n[Total: 10]';
    }
    return byPrompt.get(prompt) ?? 'no idea';
  };
}

/**
 * What the oracle's answers must score on the tasks scored by exact match, option-set F1 and
 * rank order: 1 for a GT answer, 0 for "something else" (no option letters in it), so each
 * task's official sum is the number of its first `perTask` items the oracle answered right.
 */
function expectedAnswerSums(items: DialogItem[], perTask: number): Record<string, number> {
  const out: Record<string, number> = {};
  const seen: Record<string, number> = {};
  items.forEach((item, i) => {
    if (!['exact', 'options', 'rank'].includes(ANSWER_KIND[item.task])) return;
    seen[item.task] = (seen[item.task] ?? 0) + 1;
    if (seen[item.task] <= perTask) out[item.task] = (out[item.task] ?? 0) + (i % 3 === 0 ? 0 : 1);
  });
  return out;
}

describe('ipdialog run against a scripted server', () => {
  let server: ScriptedServer;
  let items: DialogItem[];
  const run = (out: string, perTask: number, extra: string[] = []) =>
    runCliAsync(['run', '--backend', 'openai', '--base-url', server.baseUrl, '--pathway', 'task-related,direct-response', '--per-task', String(perTask), '--data', referencePath(DATA), '--out', out, ...extra]);

  beforeAll(async () => {
    if (!existsSync(referencePath(DATA))) return;
    items = parseDataset(readFileSync(referencePath(DATA), 'utf8'), DATA).items.map((x) => x.item);
    server = await startScriptedServer(oracle(items));
  });
  afterAll(async () => server?.close());

  itWithReference('scores as it goes: the official sums are the right answers, re-scoring changes nothing, the judge counts its failures', [DATA], async () => {
    const out = path.join(scratch, 'scripted');
    const res = await run(out, 10, ['--judge', 'fake-model']);
    expect(res.status, res.stderr).toBe(0);
    const metrics = MetricsRecordSchema.parse(JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')));
    const expected = expectedAnswerSums(items, 10);
    for (const pathway of ['task-related', 'direct-response'] as const) {
      const m = metrics.pathways[pathway];
      for (const [task, sum] of Object.entries(expected)) expect(m.tasks[task].sum.answer_acc, `${pathway} ${task}`).toBe(sum);
      // Every response has its analysis and answer (broken or not): all parse.
      expect(m.overall.parse.status).toEqual({ ok: 100, partial: 0, failed: 0 });
    }
    // task-related states the GT attributes; direct-response states none.
    for (const t of Object.values(metrics.pathways['task-related'].tasks)) expect(t.sum).toMatchObject({ attribute_f1: 10, value_f1: 10, relative_value_acc: 10 });
    for (const t of Object.values(metrics.pathways['direct-response'].tasks)) expect(t.sum.attribute_f1).toBe(0);

    // `score --run` re-scores the run in place: same responses, same numbers, nothing changed.
    const scored = runCli(['score', '--run', out, '--pathway', 'task-related', '--format', 'official']);
    expect(scored.status, scored.stderr).toBe(0);
    expect(scored.stderr).toMatch(/scored 200 predictions \(0 changed\)/);
    const official = JSON.parse(scored.stdout) as Record<string, { answer_acc: number }>;
    for (const [task, sum] of Object.entries(expected)) expect(official[task].answer_acc, task).toBe(sum);

    // Every 10th item per pathway was judged; garbage verdicts are counted, listed, not averaged.
    const judged = jsonl(path.join(out, 'judge.jsonl'));
    expect(judged).toHaveLength(20);
    const garbage = judged.filter((j) => j.prompt.length % 4 === 0);
    expect(garbage.length).toBeGreaterThan(0);
    expect(garbage.length).toBeLessThan(20);
    const judges = ['task-related', 'direct-response'].map((p) => metrics.pathways[p].judge!);
    expect(judges[0].overall.failures + judges[1].overall.failures).toBe(garbage.length);
    expect(new Set(judges.flatMap((j) => j.failed_items))).toEqual(new Set(garbage.map((j) => `${j.task}:${j.index}`)));
    for (const j of judges) for (const t of Object.values(j.tasks)) if (t.count > 0) expect(t.mean.Total).toBe(10);
    // The judge ran on the server too: each reply names it, and run.json and the report count them.
    for (const j of judged) expect(j).toMatchObject({ endpoint: server.baseUrl, completion_tokens: expect.any(Number), latency_ms: expect.any(Number) });
    const judge = RunRecordSchema.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'))).judge!;
    expect(judge).toMatchObject({ model: 'fake-model', sample: 'every-10th' });
    expect(judge.endpoints).toHaveLength(1);
    expect(judge.endpoints![0]).toMatchObject({ url: server.baseUrl, requests: 20, completion_tokens: judged.reduce((n, j) => n + j.completion_tokens!, 0) });
    const report = readFileSync(path.join(out, 'report.html'), 'utf8');
    const section = report.slice(report.indexOf('<section id="judge-endpoints">'), report.indexOf('</section>', report.indexOf('<section id="judge-endpoints">')));
    expect(section).toContain(`<td>${server.baseUrl}</td><td class="num">20</td>`);
  });

  itWithReference('a resumed run keeps its judge; judge --judge-sample all re-judges with another model; score --run waits for a finished run', [DATA], async () => {
    const out = path.join(scratch, 'rejudge');
    expect((await run(out, 2, ['--judge', 'fake-model'])).status).toBe(0);
    const readRun = () => RunRecordSchema.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')));
    // The same run again, without --judge: nothing to generate, and the judging stays recorded.
    const again = await run(out, 2);
    expect(again.stderr).toMatch(/run: 0 generated, 40 resumed/);
    expect(readRun().judge).toMatchObject({ model: 'fake-model', sample: 'every-10th', endpoints: [{ url: server.baseUrl, requests: 4 }] });
    expect(jsonl(path.join(out, 'judge.jsonl'))).toHaveLength(4);

    const res = await runCliAsync(['judge', '--run', out, '--judge', 'other-judge', '--judge-sample', 'all', '--backend', 'openai', '--base-url', server.baseUrl]);
    expect(res.status, res.stderr).toBe(0);
    const judged = jsonl(path.join(out, 'judge.jsonl'));
    expect(judged).toHaveLength(40);
    expect(new Set(judged.map((j) => j.judge_model))).toEqual(new Set(['other-judge']));
    // Judging over again counts its servers over again; judging on (nothing left) keeps the counts.
    expect(readRun().judge).toMatchObject({ model: 'other-judge', sample: 'all', endpoints: [{ url: server.baseUrl, requests: 40 }] });
    const resumed = await runCliAsync(['judge', '--run', out, '--judge', 'other-judge', '--judge-sample', 'all', '--backend', 'openai', '--base-url', server.baseUrl]);
    expect(resumed.stderr).toMatch(/judge: 0 judged, 40 resumed/);
    expect(readRun().judge).toMatchObject({ model: 'other-judge', endpoints: [{ url: server.baseUrl, requests: 40 }] });

    // A run.json still saying "started" (killed, or still going) is not rewritten without --force.
    writeFileSync(path.join(out, 'run.json'), JSON.stringify({ ...readRun(), status: 'started' }));
    const refused = runCli(['score', '--run', out]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error RUN_CONFLICT: .*has not finished/);
    expect(runCli(['score', '--run', out, '--force']).status).toBe(0);
  });
});

describe('run writes what it is told', () => {
  it('fails with a usage error for an unknown pathway before loading anything', () => {
    const res = runCli(['run', '--model', '/nonexistent', '--pathway', 'sing', '--out', path.join(os.tmpdir(), 'x'), '--data', '/nonexistent']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/unknown pathway "sing"/);
  });
});
