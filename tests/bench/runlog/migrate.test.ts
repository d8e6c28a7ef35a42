// A run written by the current format (v2) and one written by the previous one (v1, made by the
// commit before the results contract) both load through migrate(); writers upgrade a v1 folder
// before appending. Fixtures: tests/fixtures/runlog/v<N>/, made by make-fixture.ts, whose
// scripted model answers per task in a known way: that is where the expectations come from.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, RUN_FORMAT_VERSION, type PredictionRecord } from '../../../bench/runlog';
import { openRunForUpdate, readRun } from '../../../bench/runlog/node';
import { IpdError } from '../../../common';
import { TASKS } from '../../../pathways';

const FIXTURES = path.resolve(__dirname, '../../fixtures/runlog');

/** The scripted model: task position k % 3 == 0 answers nothing usable (but rank), 1 in full, 2 without the answer. */
function expectedParse(task: string): PredictionRecord['parse_status'] {
  const k = TASKS.indexOf(task as (typeof TASKS)[number]);
  if (task === 'rank' || k % 3 === 1) return 'ok';
  return k % 3 === 0 ? 'failed' : 'partial';
}

const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

function copyFixture(version: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `ipd-runlog-v${version}-`));
  scratch.push(dir);
  cpSync(path.join(FIXTURES, `v${version}`), dir, { recursive: true });
  return dir;
}

describe('run format fixtures', () => {
  it('the current format (v2) loads as written, with the official NaN of the constant rank answer', async () => {
    const log = await readRun(path.join(FIXTURES, 'v2'));
    expect(log.fromVersion).toBe(2);
    expect(log.predictions).toHaveLength(20);
    expect(log.judge).toHaveLength(20);
    expect(log.run.judge).toEqual({ model: 'fake-judge', sample: 'all' });
    for (const p of log.predictions) expect(p.parse_status, `${p.pathway} ${p.task}`).toBe(expectedParse(p.task));
    const rank = log.predictions.find((p) => p.task === 'rank' && p.pathway === 'type-guided')!;
    expect(rank.metrics.answer_acc).toBeNaN();
    expect(rank.metrics.attribute_f1).toBe(1);
    // metrics.json as the run wrote it is read back, NaN (null on disk) included.
    const stored = log.storedMetrics!.pathways['direct-response'];
    expect(stored.tasks.rank.sum.answer_acc).toBeNaN();
    expect(stored.overall.parse.status).toEqual({ ok: 3, partial: 3, failed: 4 });
    expect(log.notes).toEqual([]);
  });

  it('the previous format (v1) migrates: parse status from `missing`, judge settings out of spec, a note about its NaN-as-0', async () => {
    const log = await readRun(path.join(FIXTURES, 'v1'));
    expect(log.fromVersion).toBe(1);
    expect(log.run.version).toBe(RUN_FORMAT_VERSION);
    expect(log.run.judge).toEqual({ model: 'fake-judge', sample: 'all' });
    expect('judge' in log.run.spec).toBe(false);
    expect(log.run.spec.max_new_tokens).toEqual({ 'direct-response': 512, 'type-guided': 640 });
    expect(log.predictions).toHaveLength(20);
    for (const p of log.predictions) expect(p.parse_status, `${p.pathway} ${p.task}`).toBe(expectedParse(p.task));
    // Version 1 wrote the NaN as 0; a migration cannot tell it from a real 0, and says so.
    expect(log.predictions.find((p) => p.task === 'rank')!.metrics.answer_acc).toBe(0);
    expect(log.notes.join('\n')).toMatch(/format 1.*NaN.*as 0.*score --run/);
    expect(log.judge.every((j) => j.judge_model === 'fake-judge')).toBe(true);
    // Its metrics.json is of the old shape: recomputed, and noted.
    expect(log.storedMetrics).toBeUndefined();
    expect(log.notes.join('\n')).toContain('metrics.json is not in run format 2');
    expect(log.metrics.pathways['type-guided'].overall.parse.status).toEqual({ ok: 3, partial: 3, failed: 4 });
  });

  it('v1 browser runs keyed max_new_tokens by task: migrated to the run pathway', () => {
    const run = JSON.parse(readFileSync(path.join(FIXTURES, 'v1/run.json'), 'utf8'));
    run.spec.pathways = ['direct-response'];
    run.spec.max_new_tokens = { rank: 64, advice: 64 };
    delete run.spec.judge;
    const log = migrate({ run, predictions: [], judge: [], files: { run: 'run.json', predictions: 'p.jsonl', judge: 'j.jsonl' } });
    expect(log.run.spec.max_new_tokens).toEqual({ 'direct-response': 64 });
    expect(log.run.judge).toBeUndefined();
  });

  it('a writer upgrades a v1 folder in place before appending: every file in format 2 afterwards', async () => {
    const dir = copyFixture(1);
    const log = await openRunForUpdate(dir);
    expect(log?.fromVersion).toBe(1);
    expect(JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')).version).toBe(2);
    const lines = readFileSync(path.join(dir, 'predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.parse_status)).toEqual(lines.map((l) => expectedParse(l.task)));
    expect(existsSync(path.join(dir, 'metrics.json'))).toBe(false);
    expect((await readRun(dir)).fromVersion).toBe(2);
  });

  it('a format newer than this code, or no version, is a clear RUN_INVALID error', () => {
    const files = { run: '/r/run.json', predictions: '/r/p.jsonl', judge: '/r/j.jsonl' };
    const err = (run: unknown) => {
      try {
        migrate({ run, predictions: [], judge: [], files });
      } catch (e) {
        return e as IpdError;
      }
      throw new Error('expected an error');
    };
    expect(err({ version: 3 })).toMatchObject({ code: 'RUN_INVALID', field: 'version', message: expect.stringContaining('format 3; this ip-dialog reads formats 1 to 2'), hint: expect.stringContaining('update ip-dialog') });
    expect(err({ status: 'success' })).toMatchObject({ code: 'RUN_INVALID', file: '/r/run.json', field: 'version' });
  });

  it('a bad record names its file, line and field, in either format', async () => {
    for (const version of [1, 2]) {
      const dir = copyFixture(version);
      const file = path.join(dir, 'predictions.jsonl');
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      const third = JSON.parse(lines[2]);
      third.response = 42;
      lines[2] = JSON.stringify(third);
      writeFileSync(file, `${lines.join('\n')}\n`);
      await expect(readRun(dir)).rejects.toMatchObject({ code: 'RUN_INVALID', file, line: 3, field: 'response' });
    }
  });
});
