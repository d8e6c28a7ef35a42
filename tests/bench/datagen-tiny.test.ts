import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatagenStats } from '../../bench/datagen';
import { runCli } from '../helpers/cli';
import { ensureTinyModel } from '../helpers/tiny-model';

const TMP = mkdtempSync(path.join(tmpdir(), 'ipd-datagen-tiny-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('ipdialog datagen on the tiny random model (in-process engine)', () => {
  let model: string;
  beforeAll(async () => {
    model = await ensureTinyModel({ preset: 'test' });
  });

  it('finishes, and reports that everything was dropped and why', () => {
    const out = path.join(TMP, 'run');
    // Gibberish never parses: the subjects of decision and risk_detect's fixed-request answers are dropped.
    const args = ['datagen', '--model', model, '--out', out, '--tasks', 'decision,risk_detect', '--attribute-groups', '2', '--subjects-per-domain', '1', '--max-domains', '1', '--max-new-tokens', '8', '--threads', '1'];
    const r = runCli(args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('every item was dropped');
    const stats: DatagenStats = JSON.parse(readFileSync(path.join(out, 'stats.json'), 'utf8'));
    expect(stats.finished).toBe(true);
    expect(stats.backend).toMatch(/^ort-node/);
    expect(stats.steps.subjects).toMatchObject({ units: 1, generated: 1, parsed: 0, parseFailures: 1, passed: 0, dropped: 1 });
    expect(Object.keys(stats.steps.subjects!.dropReasons)).toHaveLength(1);
    expect(stats.steps.requests).toMatchObject({ units: 0, outputs: 2, counters: { risk_detect_fixed: 2 } });
    expect(stats.steps.answers).toMatchObject({ units: 2, generated: 2, passed: 0, dropped: 2 });
    expect(Object.values(stats.steps.answers!.dropReasons).reduce((a, b) => a + b, 0)).toBe(2);
    expect(stats.items).toMatchObject({ dataset: 0, train: 0, test: 0 });
    expect(readFileSync(path.join(out, 'dataset.jsonl'), 'utf8')).toBe('');
    // Each drop keeps what the model said, for reading the reasons.
    const answers = readFileSync(path.join(out, 'steps', '4-answers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const a of answers) expect(typeof a.detail).toBe('string');
  });
});
