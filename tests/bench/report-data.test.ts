// The report's data preparation, loading and escaping, without a browser or a DOM.
import { createHash } from 'node:crypto';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReferenceSeries, buildReportData, embedJson, escapeHtml, packData, PATHWAY_DATASET_IDS, unpackData, resolveReferenceModels, runLabels, type LoadedRun } from '../../bench/report';
import { loadReference, loadRun, renderRunReport } from '../../bench/report/node';
import { reduce, type PredictionRecord } from '../../bench/runlog';
import { IpdError } from '../../common';
import { getPathway, PATHWAY_IDS } from '../../pathways';
import { itWithReference, REFERENCE_DIR } from '../helpers/reference';
import { createRunDir, TEST_SET } from '../helpers/run-dir';

function pred(task: PredictionRecord['task'], index: number, answer_acc: number): PredictionRecord {
  return {
    index,
    task,
    pathway: 'type-guided',
    prompt: 'p',
    response: 'r',
    extracted: { attributes: {}, analysis: '', answer: '' },
    missing: [],
    parse_status: 'ok',
    metrics: { answer_acc, attribute_f1: 0, value_f1: 0, relative_value_acc: 0 },
    prompt_tokens: 1,
    completion_tokens: 1,
    cached_tokens: 0,
    finish_reason: 'stop',
    latency_ms: 1,
  };
}

/** A run in memory; its metrics are reduce() of its records, as every loader makes them. */
function loaded(predictions: PredictionRecord[]): LoadedRun {
  const run = { spec: { model: 'org/m', pathways: ['type-guided'] }, environment: {}, stats: {} } as unknown as LoadedRun['run'];
  return { dir: '/r', run, predictions, judge: [], metrics: reduce({ predictions }), notes: [] };
}

describe('buildReportData', () => {
  itWithReference('shows the run as loaded: reduce()d tables, GT by item id, judge failures flagged per item', [TEST_SET], async () => {
    const fake = await createRunDir({ pathways: ['type-guided', 'direct-response'], perTask: 3, judge: true });
    const data = buildReportData([await loadRun(fake.dir)], { generatedAt: 'T' });
    expect(data.series.map((s) => s.label)).toEqual(['type-guided', 'direct-response']);
    expect(data.series[0].datasetId).toBe('alpaca_hq_cot2_1000');
    expect(data.tasks[0]).toBe('recommend');
    expect(data.tasks).toHaveLength(10);
    expect(data.items).toHaveLength(60);
    for (const s of data.series) expect(Object.values(s.tasks).map((t) => t.count)).toEqual(Array(10).fill(3));
    // GT comes from the dataset file, keyed by (task, index): index alone repeats across tasks.
    expect(Object.keys(data.gt)).toHaveLength(30);
    for (const it of data.items) expect(data.gt[it.id]).toMatchObject({ task: it.task, index: it.index });
    // The fake judge makes reply i (in the order written) unparseable when i % 7 == 3 and out of
    // range when i % 11 == 5: exactly those are failures, per item and in the pathway's count.
    const failing = new Set(fake.judge.filter((_, i) => i % 7 === 3 || i % 11 === 5).map((j) => `${j.pathway}/${j.task}:${j.index}`));
    const series = data.series.map((s) => s.pathway);
    for (const it of data.items) expect(it.judge!.failed, it.id).toBe(failing.has(`${series[it.series]}/${it.id}`));
    expect(data.series[0].judge!.overall.failures).toBe([...failing].filter((k) => k.startsWith('type-guided/')).length);
  });

  it('orders the sample browser by task order, then index', () => {
    const data = buildReportData([loaded([pred('rank', 2, 0), pred('recommend', 2, 0), pred('rank', 1, 0)])]);
    expect(data.items.map((it) => it.id)).toEqual(['recommend:2', 'rank:1', 'rank:2']);
  });

  it('the official NaN reaches the page as null (a dash in the tables, no bar), not a 0', () => {
    const data = buildReportData([loaded([pred('rank', 1, NaN), pred('rank', 2, 1)])]);
    expect(JSON.parse(embedJson(data)).series[0].tasks.rank.sum.answer_acc).toBeNull();
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
    const officialJudge = JSON.parse(await readFile(path.join(REFERENCE_DIR, 'gpt4o_eval_new.json'), 'utf8'));
    expect(rows[0].judge).toEqual(officialJudge.alpaca_hq_cot2_1000.gpt4o);
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

  itWithReference('a repeated (pathway, item) keeps its last line, and is noted', [TEST_SET], async () => {
    const fake = await createRunDir({ perTask: 1 });
    const again = { ...fake.predictions[0], response: 'the second answer', metrics: { ...fake.predictions[0].metrics, answer_acc: 0.5 } };
    await appendFile(path.join(fake.dir, 'predictions.jsonl'), `${JSON.stringify(again)}\n`);
    const run = await loadRun(fake.dir);
    expect(run.predictions).toHaveLength(10);
    expect(run.predictions.find((p) => p.task === again.task)!.response).toBe('the second answer');
    expect(run.metrics.pathways['type-guided'].tasks[again.task].sum.answer_acc).toBe(0.5);
    expect(run.notes.join('\n')).toContain('repeats 1 (pathway, item) record');
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

  it('packData: the page data is base64 (nothing can close its block) and unpacks to the same value', async () => {
    const value = { text: '</script><!-- \u2028 ünïcödé 😀', nan: null, n: [1, 2.5] };
    const packed = await packData(value);
    expect(packed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(await unpackData(packed)).toEqual(value);
  });

  it('embedJson cannot close its script block and round-trips', () => {
    const value = { s: '</script><script>alert(1)</script><!-- & \u2028\u2029' };
    const text = embedJson(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  itWithReference('the rendered page holds hostile text only escaped, and only its own four scripts (the data, Chart.js, the charts, the sample browser)', [TEST_SET], async () => {
    const hostile = '<img src=x onerror=alert(1)></script><script>alert(2)</script>';
    const { dir } = await createRunDir({ perTask: 1, model: hostile, response: () => hostile });
    const html = await renderRunReport(dir);
    // Booleans, not toContain: a failure would print the whole 300 kB page.
    expect(html.includes('<img src=x')).toBe(false);
    expect(html.includes('<script>alert')).toBe(false);
    expect(html.match(/<script\b/g)).toHaveLength(4);
    expect(html.includes('Content-Security-Policy')).toBe(true);
    expect(html.includes('sourceMappingURL')).toBe(false);
    expect(/<(link|img|iframe)\b|\b(src|href)="https?:/.test(html)).toBe(false);
    // The CSP hashes are those of the inline scripts, or the page would run nothing.
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(3);
    for (const code of scripts) expect(html.includes(`sha256-${createHash('sha256').update(code).digest('base64')}`)).toBe(true);
  });
});
