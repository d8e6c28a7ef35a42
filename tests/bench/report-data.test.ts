// The report's data preparation, loading and escaping, without a browser or a DOM.
import { createHash } from 'node:crypto';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildReferenceSeries,
  buildReportData,
  embedJson,
  escapeHtml,
  groupByPathway,
  loadReference,
  loadRun,
  PATHWAY_DATASET_IDS,
  renderRunReport,
  resolveReferenceModels,
  runLabels,
  summarizeJudge,
  summarizePredictions,
  type LoadedRun,
} from '../../bench/report';
import { METRIC_NAMES, type JudgeRecord, type PredictionRecord } from '../../bench/runlog/schema';
import { IpdError } from '../../common';
import { getPathway, PATHWAY_IDS } from '../../pathways';
import { itWithReference, REFERENCE_DIR } from '../helpers/reference';
import { createRunDir, TEST_SET } from '../helpers/run-dir';

function pred(task: string, index: number, m: Partial<PredictionRecord['metrics']>, extra: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    index,
    task,
    pathway: 'type-guided',
    prompt: 'p',
    response: 'r',
    extracted: { attributes: {}, analysis: '', answer: '' },
    missing: [],
    metrics: { answer_acc: 0, attribute_f1: 0, value_f1: 0, relative_value_acc: 0, ...m },
    prompt_tokens: 1,
    completion_tokens: 1,
    cached_tokens: 0,
    finish_reason: 'stop',
    latency_ms: 1,
    ...extra,
  };
}

function judged(task: string, index: number, status: JudgeRecord['status'], scores: JudgeRecord['scores']): JudgeRecord {
  return { index, task, pathway: 'type-guided', prompt: '', output: '', scores, status, problems: [] };
}

describe('summaries', () => {
  it('sums per task with the official 2-decimal rounding, means unrounded, overall mean over items', () => {
    const s = summarizePredictions([
      pred('rank', 1, { answer_acc: 0.335, attribute_f1: 0.5, relative_value_acc: 0.5 }),
      pred('rank', 2, { answer_acc: 0.34, attribute_f1: 1, relative_value_acc: 1 }),
      pred('filter', 3, { answer_acc: 1, attribute_f1: 0, relative_value_acc: 0 }),
    ]);
    expect(s.tasks.rank.count).toBe(2);
    expect(s.tasks.rank.sum.answer_acc).toBe(0.68); // 0.675 -> Python round: 0.68 (binary value is above the tie)
    expect(s.tasks.rank.mean.answer_acc).toBeCloseTo(0.3375, 12);
    expect(s.tasks.filter.sum.answer_acc).toBe(1);
    expect(s.overall.count).toBe(3);
    expect(s.overall.mean.attribute_f1).toBeCloseTo(0.5, 12);
    expect(s.atfRvaPearson).toBeCloseTo(1, 12);
  });

  it('Pearson r is null when undefined (constant series, fewer than 2 items)', () => {
    expect(summarizePredictions([pred('rank', 1, {}), pred('rank', 2, {})]).atfRvaPearson).toBeNull();
    expect(summarizePredictions([pred('rank', 1, { attribute_f1: 1 })]).atfRvaPearson).toBeNull();
  });

  it('judge: failures are counted and listed, never averaged; partial replies count per score', () => {
    const s = summarizeJudge([
      judged('rank', 10, 'ok', { Conciseness: 1, Personalization: 4, 'Analysis Quality': 3, 'Answer Accuracy': 5, Total: 13 }),
      judged('rank', 20, 'partial', { Conciseness: 0, Total: 7 }),
      judged('rank', 30, 'unparseable', {}),
      judged('filter', 5, 'out_of_range', { Conciseness: 3, Total: 9 }),
      judged('filter', 6, 'error', {}),
    ]);
    expect(s.failures).toBe(3);
    expect(s.failedIndexes).toEqual([5, 6, 30]);
    expect(s.tasks.rank.count).toBe(2);
    expect(s.tasks.rank.mean.Total).toBe(10);
    expect(s.tasks.rank.mean.Conciseness).toBe(0.5);
    expect(s.tasks.rank.mean.Personalization).toBe(4); // only the ok reply has it
    expect(s.tasks.filter).toBeUndefined();
  });
});

describe('buildReportData', () => {
  itWithReference('takes aggregates from metrics.json, or recomputes the same from predictions', [TEST_SET], async () => {
    const withMetrics = await loadRun((await createRunDir({ pathways: ['type-guided', 'direct-response'], perTask: 3, judge: true })).dir);
    const without = await loadRun((await createRunDir({ pathways: ['type-guided', 'direct-response'], perTask: 3, writeMetrics: false })).dir);
    const a = buildReportData([withMetrics], { generatedAt: 'T' });
    const b = buildReportData([without], { generatedAt: 'T' });
    expect(a.series.map((s) => [s.label, s.source])).toEqual([
      ['type-guided', 'metrics.json'],
      ['direct-response', 'metrics.json'],
    ]);
    expect(b.series.map((s) => s.source)).toEqual(['predictions', 'predictions']);
    expect(b.notes.join('\n')).toContain('no metrics.json yet');
    for (let i = 0; i < 2; i++) {
      expect(Object.keys(b.series[i].tasks)).toEqual(Object.keys(a.series[i].tasks));
      for (const [task, t] of Object.entries(a.series[i].tasks)) {
        const r = b.series[i].tasks[task];
        expect(r.count).toBe(t.count);
        for (const m of METRIC_NAMES) {
          expect(r.sum[m], `${task} ${m} sum`).toBeCloseTo(t.sum[m], 9);
          expect(r.mean[m], `${task} ${m} mean`).toBeCloseTo(t.mean[m], 9);
        }
      }
      if (a.series[i].pearson === null) expect(b.series[i].pearson).toBeNull();
      else expect(b.series[i].pearson).toBeCloseTo(a.series[i].pearson!, 9);
    }
    expect(a.series[0].datasetId).toBe('alpaca_hq_cot2_1000');
    expect(a.tasks[0]).toBe('recommend');
    expect(a.tasks).toHaveLength(10);
    expect(a.items).toHaveLength(60);
    // GT comes from the dataset file, keyed by (task, index): index alone repeats across tasks.
    const first = a.items[0];
    expect(a.gt[`${first.task}:${first.index}`].request).toBeTruthy();
    expect(Object.keys(a.gt)).toHaveLength(30);
    // Judge: per-task means, failures and the item-weighted overall.
    const judge = a.series[0].judge!;
    expect(judge.failures).toBeGreaterThan(0);
    expect(judge.overall!.count).toBe(Object.values(judge.tasks).reduce((n, t) => n + t.count, 0));
    expect(a.items.filter((it) => it.judge)).toHaveLength(60);
  });

  itWithReference('labels series by run when there are several runs, and by pathway alone for one', [TEST_SET], async () => {
    const r1 = await loadRun((await createRunDir({ perTask: 1, model: 'hf/org/same' })).dir);
    const r2 = await loadRun((await createRunDir({ perTask: 1, model: 'other/same' })).dir);
    const data = buildReportData([r1, r2]);
    expect(data.series.map((s) => s.label)).toEqual([
      `same (${path.basename(r1.dir)}) · type-guided`,
      `same (${path.basename(r2.dir)}) · type-guided`,
    ]);
    expect(data.title).toMatch(/^IP-Dialog comparison/);
    expect(buildReportData([r1]).series[0].label).toBe('type-guided');
  });

  it('runLabels: model basenames, then folders, then numbers for collisions', () => {
    const run = (model: string, dir: string) => ({ dir, run: { spec: { model } } }) as unknown as LoadedRun;
    expect(runLabels([run('a/x', '/r/1'), run('b/y', '/r/2')])).toEqual(['x', 'y']);
    expect(runLabels([run('a/x', '/r/1'), run('b/x', '/r/2')])).toEqual(['x (1)', 'x (2)']);
    expect(runLabels([run('a/x', '/r/1'), run('b/x', '/s/1')])).toEqual(['x (1) #1', 'x (1) #2']);
  });

  it('a repeated (pathway, task, index) keeps the last line and is noted; order is task order then index', () => {
    const notes: string[] = [];
    const run = {
      run: { spec: { pathways: ['type-guided'] } },
      predictions: [pred('rank', 2, { answer_acc: 0 }), pred('recommend', 2, {}), pred('rank', 2, { answer_acc: 1 }), pred('rank', 1, {})],
    } as unknown as LoadedRun;
    const groups = groupByPathway(run, (n) => notes.push(n));
    expect(groups.get('type-guided')!.map((p) => `${p.task}:${p.index}`)).toEqual(['recommend:2', 'rank:1', 'rank:2']);
    expect(groups.get('type-guided')![2].metrics.answer_acc).toBe(1);
    expect(notes).toEqual([expect.stringContaining('repeats 1 (pathway, item) pair')]);
  });

  it('the pathway -> official dataset id table agrees with the pathways module', () => {
    for (const id of PATHWAY_IDS) expect(PATHWAY_DATASET_IDS[id]).toBe(`alpaca_${getPathway(id).officialId}_1000`);
  });
});

describe('reference rows', () => {
  itWithReference('picks the paper rows for the pathways we ran, with sums and judge totals as published', ['all_datasets_all_models_metrics.json', 'gpt4o_eval_new.json'], async () => {
    const ref = await loadReference(REFERENCE_DIR);
    const official = JSON.parse(await readFile(path.join(REFERENCE_DIR, 'all_datasets_all_models_metrics.json'), 'utf8'));
    expect(resolveReferenceModels(ref)).toEqual(['gpt4o', 'claude', 'llama3-1', 'qwen']);
    expect(resolveReferenceModels(ref, ['all'])).toContain('llama3-1_trained');
    expect(() => resolveReferenceModels(ref, ['gpt4o', 'gpt5'])).toThrow(/unknown reference model\(s\): gpt5/);
    const rows = buildReferenceSeries(ref, ['type-guided', 'type-guided', 'no-such-pathway'], ['gpt4o', 'claude']);
    expect(rows.map((r) => r.label)).toEqual(['paper · gpt4o', 'paper · claude']);
    expect(rows[0].tasks).toEqual(official.alpaca_hq_cot2_1000.gpt4o);
    const sums = Object.values(official.alpaca_hq_cot2_1000.gpt4o as Record<string, { value_f1: number }>).map((t) => t.value_f1);
    expect(rows[0].overallMean.value_f1).toBeCloseTo(sums.reduce((a, b) => a + b, 0) / sums.length / 100, 12);
    expect(rows[0].judge?.rank.Total).toBeTypeOf('number');
    const two = buildReferenceSeries(ref, ['direct-response', 'task-related'], ['claude']);
    expect(two.map((r) => [r.label, r.datasetId])).toEqual([
      ['paper · claude · direct-response', 'alpaca_hq_basic_1000'],
      ['paper · claude · task-related', 'alpaca_hq_cot4_1000'],
    ]);
  });

  it('a folder without the metrics table is a DATA_NOT_FOUND error', async () => {
    await expect(loadReference('/nonexistent-reference')).rejects.toMatchObject({ code: 'DATA_NOT_FOUND' });
  });
});

describe('loadRun', () => {
  it('a folder without run.json is not a run', async () => {
    const err = await loadRun('/nonexistent-run').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpdError);
    expect(err).toMatchObject({ code: 'RUN_INVALID', message: expect.stringContaining('not a run directory') });
  });

  itWithReference('names the file, line and field of a record that breaks the schema', [TEST_SET], async () => {
    const { dir } = await createRunDir({ perTask: 1 });
    await appendFile(path.join(dir, 'predictions.jsonl'), `${JSON.stringify({ index: 1, task: 'rank' })}\n`);
    const err = (await loadRun(dir).catch((e: unknown) => e)) as IpdError;
    expect(err).toMatchObject({ code: 'RUN_INVALID', line: 11, file: path.join(dir, 'predictions.jsonl') });
  });

  itWithReference('a torn last line (a run still writing) and a missing dataset become notes', [TEST_SET], async () => {
    const { dir } = await createRunDir({ perTask: 1 });
    await appendFile(path.join(dir, 'predictions.jsonl'), '{"index": 5, "ta');
    const runFile = path.join(dir, 'run.json');
    const run = JSON.parse(await readFile(runFile, 'utf8'));
    run.spec.data_file = 'gone.jsonl';
    await writeFile(runFile, JSON.stringify(run));
    const loaded = await loadRun(dir);
    expect(loaded.predictions).toHaveLength(10);
    expect(loaded.gt).toBeUndefined();
    expect(loaded.notes).toEqual([expect.stringContaining('unfinished line'), expect.stringContaining('gone.jsonl not found')]);
  });

  itWithReference('a dataset that changed since the run is noted', [TEST_SET], async () => {
    const { dir } = await createRunDir({ perTask: 1 });
    const runFile = path.join(dir, 'run.json');
    const run = JSON.parse(await readFile(runFile, 'utf8'));
    run.spec.data_sha256 = createHash('sha256').update('other').digest('hex');
    await writeFile(runFile, JSON.stringify(run));
    await rm(path.join(dir, 'metrics.json'));
    const loaded = await loadRun(dir);
    expect(loaded.notes.join('\n')).toContain('sha256 mismatch');
    expect(Object.keys(loaded.gt ?? {})).toHaveLength(10);
  });
});

describe('escaping', () => {
  it('escapeHtml covers text and attribute contexts', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('embedJson cannot close its script block and round-trips', () => {
    const value = { s: '</script><script>alert(1)</script><!-- & \u2028\u2029' };
    const text = embedJson(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  itWithReference('the rendered page holds hostile text only escaped, and only its own three scripts', [TEST_SET], async () => {
    const hostile = '<img src=x onerror=alert(1)></script><script>alert(2)</script>';
    const { dir } = await createRunDir({ perTask: 1, model: hostile, response: () => hostile });
    const html = await renderRunReport(dir);
    // Booleans, not toContain: a failure would print the whole 300 kB page.
    expect(html.includes('<img src=x')).toBe(false);
    expect(html.includes('<script>alert')).toBe(false);
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.includes('Content-Security-Policy')).toBe(true);
    expect(html.includes('sourceMappingURL')).toBe(false);
    expect(/<(link|img|iframe)\b|\b(src|href)="https?:/.test(html)).toBe(false);
    // The CSP hashes are those of the inline scripts, or the page would run nothing.
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(2);
    for (const code of scripts) expect(html.includes(`sha256-${createHash('sha256').update(code).digest('base64')}`)).toBe(true);
  });
});
