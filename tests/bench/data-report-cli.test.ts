// `ipdialog data-report` through the real binary: the official test set as set and reference,
// a low-diversity set, a real datagen run's stats.json, the documented quality.json fields,
// and bad input.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { QualityReport } from '../../bench/data-report';
import { TASKS, selectPerTask, type DialogItem } from '../../pathways';
import { readDataset } from '../../pathways/node';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { startFakeServer, runCliAsync } from '../helpers/datagen-server';
import { toJsonl, withRepetitiveHistories } from '../helpers/data-sets';
import { itWithReference, referencePath } from '../helpers/reference';
import { TEST_SET } from '../helpers/run-dir';

const TMP = mkdtempSync(path.join(tmpdir(), 'ipd-data-report-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const readQuality = (dir: string): QualityReport => JSON.parse(readFileSync(path.join(dir, 'quality.json'), 'utf8'));

async function officialItems(perTask?: number): Promise<DialogItem[]> {
  return selectPerTask((await readDataset(referencePath(TEST_SET))).items, perTask).map((x) => x.item);
}

/** The values at a dotted path; `<name>` segments expand to every key there. */
function valuesAt(root: unknown, pathText: string): unknown[] {
  let current: unknown[] = [root];
  for (const part of pathText.split('.')) {
    current = current.flatMap((v) => {
      if (v === null || typeof v !== 'object') return [undefined];
      const obj = v as Record<string, unknown>;
      return /^<.*>$/.test(part) ? Object.values(obj) : [obj[part]];
    });
  }
  return current;
}

describe('ipdialog data-report', () => {
  itWithReference(
    'reports the official test set against itself: its known make-up, every figure beside an equal one, no flag',
    [TEST_SET],
    async () => {
      const out = path.join(TMP, 'official');
      const r = runCli(['data-report', '--data', referencePath(TEST_SET), '--reference', referencePath(TEST_SET), '--out', out]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Histories: Self-BLEU-4 +0\.\d{3} +0\.\d{3}\n/);
      expect(r.stdout).toContain('no shortcomings found');
      expect(r.stdout).toContain(`wrote ${path.join(out, 'quality.json')}`);
      const q = readQuality(out);
      expect(q.version).toBe(1);
      // The paper's test set: 1,000 items, 100 per task, drawn under the sampling rules.
      expect(q.set.items).toBe(1000);
      expect(q.set.tasks.counts).toEqual(Object.fromEntries(TASKS.map((t) => [t, 100])));
      expect(q.set.attributes.rule_violations.items).toBe(0);
      expect(q.set.attributes.related.value_mismatches).toBe(0);
      // Every listed domain of every task with domains occurs.
      for (const [task, d] of Object.entries(q.set.tasks.domains)) expect(d.covered, task).toBe(d.listed);
      for (const f of ['histories', 'requests', 'analyses'] as const) {
        const l = q.set.lexical[f];
        for (const v of [l.distinct_1, l.distinct_2, l.equal_size.ttr, l.self_bleu.value]) expect(v).toBeGreaterThan(0);
        // More text repeats more: the whole set's distinct-2 sits below the 1,000-token windows'.
        expect(l.distinct_2!).toBeLessThan(l.equal_size.distinct_2!);
      }
      expect(q.reference).toEqual(q.set);
      expect(q.flags).toEqual([]);
      expect(q.comparison.length).toBeGreaterThan(60);
      for (const row of q.comparison) expect(row.reference, row.figure).toEqual(row.value);
      const html = readFileSync(path.join(out, 'quality.html'), 'utf8');
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      // Without --stats, `pipeline` is null; its fields are checked on the datagen run below.
      expect(q.pipeline).toBeNull();
      expectDocumentedFields(q, (f) => !f.startsWith('pipeline'));
    },
    180_000,
  );

  itWithReference('--reference official takes the official test set from the cache', [TEST_SET], () => {
    const cache = path.join(TMP, 'cache');
    mkdirSync(path.join(cache, 'data'), { recursive: true });
    copyFileSync(referencePath(TEST_SET), path.join(cache, 'data', TEST_SET));
    const out = path.join(TMP, 'official-keyword');
    const r = runCli(['data-report', '--data', referencePath(TEST_SET), '--reference', 'official', '--out', out], { env: { IPDIALOG_CACHE: cache } });
    expect(r.status, r.stderr).toBe(0);
    expect(readQuality(out).reference).toMatchObject({ file: path.join(cache, 'data', TEST_SET), items: 1000 });
  });

  itWithReference(
    'flags histories built from a few repeated rounds as less diverse than the reference, and nothing else of diversity',
    [TEST_SET],
    async () => {
      const data = path.join(TMP, 'repetitive.jsonl');
      writeFileSync(data, toJsonl(withRepetitiveHistories(await officialItems(40), 25)));
      const out = path.join(TMP, 'repetitive');
      const r = runCli(['data-report', '--data', data, '--reference', referencePath(TEST_SET), '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      const q = readQuality(out);
      const low = q.flags.filter((f) => f.code === 'low_diversity').map((f) => f.figure);
      expect(low).toEqual(expect.arrayContaining(['lexical.histories.equal_size.ttr', 'lexical.histories.self_bleu.value']));
      expect(low.every((f) => f.startsWith('lexical.histories.'))).toBe(true);
      // Both sets' Self-BLEU on the same number of histories: all of the smaller set's.
      expect(q.set.lexical.histories.self_bleu.sample).toBe(q.set.lexical.histories.texts);
      expect(q.reference!.lexical.histories.self_bleu.sample).toBe(q.set.lexical.histories.texts);
      expect(r.stdout).toMatch(/Histories: Self-BLEU-4 .*<- flagged/);
    },
    180_000,
  );

  it('reads a real datagen run’s stats.json and reports its dataset', async () => {
    const server = await startFakeServer({ inconsistentKey: 'age', improveKey: 'openness' });
    try {
      const gen = path.join(TMP, 'gen');
      const g = await runCliAsync(['datagen', '--backend', 'openai', '--base-url', server.baseUrl, '--out', gen, '--tasks', 'decision', '--attribute-groups', '10', '--subjects-per-domain', '1', '--max-domains', '2', '--quiet']);
      expect(g.status, g.stderr).toBe(0);
      const out = path.join(TMP, 'gen-quality');
      const r = await runCliAsync(['data-report', '--data', path.join(gen, 'dataset.jsonl'), '--stats', path.join(gen, 'stats.json'), '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      const stats = JSON.parse(readFileSync(path.join(gen, 'stats.json'), 'utf8'));
      const q = readQuality(out);
      expect(q.pipeline!.steps.map((s) => s.step)).toEqual(Object.keys(stats.steps));
      for (const s of q.pipeline!.steps) expect({ units: s.units, passed: s.passed, dropped: s.dropped, drop_reasons: s.drop_reasons }).toEqual({ ...pick(stats.steps[s.step]), drop_reasons: stats.steps[s.step].dropReasons });
      const h = stats.steps.histories;
      // The responder contradicts every set with "age" and makes "openness" rounds pass only after an improve.
      expect(q.pipeline!.histories).toMatchObject({ exams: h.counters.exam, exams_passed: h.counters.exam_passed, consistency_failures: h.dropReasons.inconsistent });
      expect(q.pipeline!.histories!.consistency_failures).toBeGreaterThan(0);
      expect(q.pipeline!.histories!.exam_pass_rate).toBeLessThan(1);
      expect(q.set.items).toBe(stats.items.dataset);
      expect(q.set.tasks.missing).toHaveLength(9);
      expectDocumentedFields(q, (f) => f.startsWith('pipeline'));
      const html = readFileSync(path.join(out, 'quality.html'), 'utf8');
      expect(html).toContain('id="chart-pipeline"');
      expect(html).toContain('data-step="histories"');
    } finally {
      await server.close();
    }
  }, 240_000);

  itWithReference('names the file, line and field of a bad item, or skips it with --skip-invalid; a missing stats.json', [TEST_SET], async () => {
    const [first, second] = readFileSync(referencePath(TEST_SET), 'utf8').split('\n');
    const data = path.join(TMP, 'bad.jsonl');
    writeFileSync(data, `${first}\n${second.replace('"task": "recommend"', '"task": "shopping"')}\n`);
    const out = path.join(TMP, 'bad');
    const r = runCli(['data-report', '--data', data, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${data} line 2: task: unknown value`);
    const skipped = runCli(['data-report', '--data', data, '--out', out, '--skip-invalid']);
    expect(skipped.status, skipped.stderr).toBe(0);
    expect(readQuality(out).set).toMatchObject({ items: 1, skipped_lines: 1 });
    const noStats = runCli(['data-report', '--data', referencePath(TEST_SET), '--stats', path.join(TMP, 'no-stats.json'), '--out', path.join(TMP, 'x')]);
    expect(noStats.status).toBe(1);
    expect(noStats.stderr).toMatch(/DATA_NOT_FOUND: cannot read .*no-stats\.json.*--stats OUT\/stats\.json/);
  });

  it('refuses missing files and bad flags with a clear message', () => {
    const missing = runCli(['data-report', '--data', path.join(TMP, 'nope.jsonl'), '--out', path.join(TMP, 'x')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/DATA_NOT_FOUND: cannot read dataset .*nope\.jsonl/);
    const noOut = runCli(['data-report', '--data', 'x.jsonl']);
    expect(noOut.status).not.toBe(0);
    expect(noOut.stderr).toContain("required option '--out <dir>' not specified");
    const badSeed = runCli(['data-report', '--data', 'x.jsonl', '--out', TMP, '--seed', '-1']);
    expect(badSeed.status).toBe(2);
    expect(badSeed.stderr).toContain('--seed must be an integer');
  });
});

/** The fields README.md's quality.json table names (`<name>` = every key there), for both sets. */
function expectDocumentedFields(q: QualityReport, which: (field: string) => boolean): void {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('`quality.json` (version 1):'), readme.indexOf('### The official test set as the reference'));
  const fields = [...section.matchAll(/^\| (.*?) \|/gm)].flatMap((m) => [...m[1].matchAll(/`([a-z_][a-z0-9_.<>]*)`/g)].map((x) => x[1]));
  expect(fields).toEqual(expect.arrayContaining(['set.lexical.<field>.distinct_1', 'set.lexical.<field>.distinct_2', 'pipeline.steps', 'flags']));
  for (const field of fields.filter(which)) {
    const roots = /^(set|reference)(\.|$)/.test(field) && q.reference ? ['set', 'reference'] : [''];
    for (const root of roots) {
      const where = root ? field.replace(/^(set|reference)/, root) : field;
      const values = valuesAt(q, where);
      expect(values.length, where).toBeGreaterThan(0);
      for (const v of values) expect(v, where).not.toBeUndefined();
    }
  }
}

function pick(s: { units: number; passed: number; dropped: number }) {
  return { units: s.units, passed: s.passed, dropped: s.dropped };
}
