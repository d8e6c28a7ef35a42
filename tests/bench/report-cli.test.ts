// `ipdialog report` and `ipdialog compare` through the real binary.
import { existsSync, mkdtempSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { unpackPageData, type ReportData } from '../../bench/report';
import { runCli } from '../helpers/cli';
import { itWithReference, REFERENCE_DIR } from '../helpers/reference';
import { createRunDir, TEST_SET } from '../helpers/run-dir';

describe('ipdialog report / compare', () => {
  itWithReference(
    'report re-renders DIR/report.html or --out; compare writes the side-by-side page with the paper rows',
    [TEST_SET, 'all_datasets_all_models_metrics.json'],
    async () => {
      const a = await createRunDir({ perTask: 2, model: 'org/alpha', judge: true });
      const b = await createRunDir({ perTask: 2, model: 'org/beta', pathways: ['type-guided', 'full-attributes'], seed: 3 });
      await rm(path.join(a.dir, 'report.html'), { force: true });

      const r1 = runCli(['report', '--run', a.dir]);
      expect(r1.stderr).toBe('');
      expect(r1.status).toBe(0);
      const reportFile = path.join(a.dir, 'report.html');
      expect(r1.stdout.trim()).toBe(`wrote ${reportFile}`);
      const report = await readFile(reportFile, 'utf8');
      expect(report.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(report.includes('IP-Dialog report: alpha')).toBe(true);

      const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'ipd-cmp-')), 'nested', 'cmp.html');
      const r2 = runCli(['compare', a.dir, b.dir, '--reference', REFERENCE_DIR, '--models', 'gpt4o,llama3-1', '--no-prompts', '--out', out]);
      expect(r2.stderr).toBe('');
      expect(r2.status).toBe(0);
      expect(r2.stdout).toContain(`wrote ${out} (2 run(s), with reference rows)`);
      const page = await readFile(out, 'utf8');
      for (const label of ['alpha · type-guided', 'beta · full-attributes', 'paper · gpt4o · full-attributes', 'paper · llama3-1 · type-guided']) {
        expect(page.includes(label), label).toBe(true);
      }
      expect(page.includes('paper · claude')).toBe(false);
      // Prompts travel in the page's packed data, as shared lines.
      const promptLines = async (html: string) => ((await unpackPageData(html)) as ReportData).promptLines.join('\n');
      expect(await promptLines(page)).toBe('');
      expect(await promptLines(report)).toContain('You are a helpful agent');
    },
    180_000,
  );

  itWithReference(
    'bad input fails with one formatted error and the right exit code',
    [TEST_SET, 'all_datasets_all_models_metrics.json'],
    async () => {
      const notARun = mkdtempSync(path.join(os.tmpdir(), 'ipd-empty-'));
      const r1 = runCli(['report', '--run', notARun]);
      expect(r1.status).toBe(1);
      expect(r1.stderr).toMatch(/^error RUN_INVALID: .* is not a run directory \(no run.json\)/);

      const { dir } = await createRunDir({ perTask: 1 });
      const out = path.join(notARun, 'x.html');
      const r2 = runCli(['compare', dir, '--reference', REFERENCE_DIR, '--models', 'gpt4o,nope', '--out', out]);
      expect(r2.status).toBe(2);
      expect(r2.stderr).toMatch(/^error USAGE: unknown reference model\(s\): nope .*Hint: choose from gpt/);
      expect(existsSync(out)).toBe(false);

      const r3 = runCli(['compare', dir]);
      expect(r3.status).not.toBe(0);
      expect(r3.stderr).toMatch(/--out/);
    },
    180_000,
  );
});
