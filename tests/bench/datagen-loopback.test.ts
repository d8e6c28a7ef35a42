import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataset } from '../../pathways';
import type { DatagenStats } from '../../bench/datagen';
import { runCliAsync, startFakeServer, type FakeServer } from '../helpers/datagen-server';
import { ensureTinyModel } from '../helpers/tiny-model';

const TMP = mkdtempSync(path.join(tmpdir(), 'ipd-datagen-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const readStats = (dir: string): DatagenStats => JSON.parse(readFileSync(path.join(dir, 'stats.json'), 'utf8'));
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('ipdialog datagen against an OpenAI-compatible server on loopback', () => {
  let server: FakeServer;
  beforeAll(async () => {
    // The model breaks some answers, contradicts every set with "age", and needs an
    // improve before its openness dialogues pass the exam.
    server = await startFakeServer({ brokenAnswerEvery: 7, inconsistentKey: 'age', improveKey: 'openness' });
  });
  afterAll(() => server.close());

  it('produces schema-valid items for decision, rank and advice and reports the drops', async () => {
    const out = path.join(TMP, 'loopback');
    const args = ['datagen', '--backend', 'openai', '--base-url', server.baseUrl, '--out', out, '--tasks', 'decision,rank,advice'];
    const r = await runCliAsync([...args, '--attribute-groups', '30', '--subjects-per-domain', '2', '--max-domains', '2', '--max-retries', '3']);
    expect(r.stderr).toContain('model fake-datagen');
    expect(r.status, r.stderr).toBe(0);

    const dataset = parseDataset(readFileSync(path.join(out, 'dataset.jsonl'), 'utf8'), 'dataset.jsonl');
    const tasks = new Set(dataset.items.map((x) => x.item.task));
    expect(tasks).toEqual(new Set(['decision', 'rank', 'advice']));
    for (const { item } of dataset.items) expect(item.history).toHaveLength(Object.keys(item.GT.related_attributes).length);
    // The official key order of the attribute group survives the files (the prompts show it).
    for (const line of lines(path.join(out, 'dataset.jsonl'))) expect(Object.keys(JSON.parse(line).user_attr_group).slice(0, 2)).toEqual(['age', 'gender']);
    const train = lines(path.join(out, 'train.jsonl'));
    const test = lines(path.join(out, 'test.jsonl'));
    expect(train.length + test.length).toBe(dataset.items.length);
    expect(test.length).toBeGreaterThan(0);

    const stats = readStats(out);
    expect(stats.finished).toBe(true);
    expect(stats.dedup?.method).toBe('lexical');
    const s = stats.steps;
    expect(s.subjects).toMatchObject({ units: 6, generated: 6, passed: 6 });
    expect(s.requests).toMatchObject({ units: 36, generated: 36 });
    expect(s.answers!.dropReasons.missing_answer).toBeGreaterThan(0);
    expect(s.answers!.parseFailures).toBe(s.answers!.dropped);
    expect(s.histories!.dropReasons.inconsistent).toBeGreaterThan(0);
    expect(s.histories!.counters.improve).toBeGreaterThan(0);
    expect(s.assemble!.dropReasons.history_dropped).toBeGreaterThan(0);
    expect(stats.items!.dataset).toBe(dataset.items.length);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/answers +108 +108 +\d+ +\d+ +\d+ +\(missing_answer \d+\)/);
    // Every model call went to the server, as one chat message built from a datagen template.
    expect(server.seen.every((x) => x.kind !== 'unknown')).toBe(true);
  });

  it('resumes after a kill without redoing finished steps or units, and ends where an uninterrupted run ends', async () => {
    const common = ['datagen', '--backend', 'openai', '--base-url', server.baseUrl, '--tasks', 'decision', '--attribute-groups', '10', '--subjects-per-domain', '1', '--max-domains', '2', '--max-retries', '2', '--quiet'];
    const fresh = path.join(TMP, 'fresh');
    expect((await runCliAsync([...common, '--out', fresh])).status).toBe(0);

    // Killed as soon as a few of the 18 answers are on disk (two requests in flight at a time).
    const out = path.join(TMP, 'killed');
    const answersFile = path.join(out, 'steps', '4-answers.jsonl');
    server.seen.length = 0;
    const control: { kill?: () => void } = {};
    server.onRequest = () => {
      if (existsSync(answersFile) && lines(answersFile).length >= 3) control.kill?.();
    };
    const killed = await runCliAsync([...common, '--out', out, '--concurrency', '2'], control);
    server.onRequest = undefined;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(path.join(out, 'dataset.jsonl'))).toBe(false);
    const answered = lines(answersFile).length;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(18);

    server.seen.length = 0;
    const resumed = await runCliAsync([...common, '--out', out]);
    expect(resumed.status, resumed.stderr).toBe(0);
    const kinds = server.seen.map((x) => x.kind);
    expect(kinds).not.toContain('subjects');
    expect(kinds).not.toContain('requests');
    expect(kinds.filter((k) => k === 'answers')).toHaveLength(18 - answered);
    expect(readFileSync(path.join(out, 'dataset.jsonl'), 'utf8')).toBe(readFileSync(path.join(fresh, 'dataset.jsonl'), 'utf8'));
    expect(readStats(out).steps).toEqual(readStats(fresh).steps);

    // A finished run asks nothing more.
    server.seen.length = 0;
    expect((await runCliAsync([...common, '--out', out])).status).toBe(0);
    expect(server.seen).toHaveLength(0);

    // Other settings on the same folder are refused rather than mixed in.
    const conflict = await runCliAsync([...common.map((a) => (a === '10' ? '11' : a)), '--out', out]);
    expect(conflict.status).toBe(1);
    expect(conflict.stderr).toMatch(/RUN_CONFLICT.*attributeGroups: 10 -> 11/);
  });

  it('--steps runs part of the pipeline and refuses to skip an unfinished step', async () => {
    const out = path.join(TMP, 'steps');
    const common = ['datagen', '--backend', 'openai', '--base-url', server.baseUrl, '--tasks', 'predict', '--attribute-groups', '5', '--subjects-per-domain', '1', '--max-domains', '1', '--quiet', '--out', out];
    server.seen.length = 0;
    const first = await runCliAsync([...common, '--steps', 'subjects']);
    expect(first.status, first.stderr).toBe(0);
    expect(server.seen.map((x) => x.kind)).toEqual(['subjects']);
    expect(first.stderr).toContain('stopped after the requested steps');
    const skip = await runCliAsync([...common, '--steps', 'answers']);
    expect(skip.status).toBe(2);
    expect(skip.stderr).toMatch(/step requests is not finished \(3 of 3 units left\).*--steps requests/s);
  });

  it('dedups with a local embedding model through transformers.js when --embed-model is given', async () => {
    // Any transformers.js model folder embeds (mean-pooled, normalized); the tiny random one will do.
    const model = await ensureTinyModel({ preset: 'test' });
    const out = path.join(TMP, 'embed');
    const common = ['datagen', '--backend', 'openai', '--base-url', server.baseUrl, '--tasks', 'advice', '--attribute-groups', '6', '--subjects-per-domain', '1', '--max-domains', '1', '--quiet', '--out', out];
    const r = await runCliAsync([...common, '--embed-model', model]);
    expect(r.status, r.stderr).toBe(0);
    const stats = readStats(out);
    expect(stats.dedup).toMatchObject({ method: 'embedding', model, threshold: 0.95 });
    expect(stats.steps.dedup!.units).toBe(stats.steps.assemble!.passed);
    expect(stats.items!.dataset).toBe(stats.steps.dedup!.passed);
    const missing = await runCliAsync([...common, '--embed-model', path.join(TMP, 'no-such-model')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/MODEL_NOT_FOUND: --embed-model .*no-such-model is not a model folder/);
  });
});
