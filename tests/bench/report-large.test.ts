// A full run's report: 5,000 predictions (the 1,000 test items x 5 pathways, every one judged,
// with Claude-3.5's published responses as realistic text) rendered to one file and opened in
// headless Chromium. Measures the page's size, its load time and the sample browser's response
// to filtering, searching, sorting and a deep link; writes them to test-artifacts/report-5000.json
// (the README quotes them). The bounds are loose guards against a regression on this shared machine.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { writeRunReport } from '../../bench/report/node';
import { PATHWAY_IDS } from '../../pathways';
import { REPO_ROOT } from '../helpers/cli';
import { itWithReference, referencePath } from '../helpers/reference';
import { createRunDir, TEST_SET } from '../helpers/run-dir';
import { launchChromium, SKIP_WITHOUT_CHROMIUM } from '../web/helpers/browser';

const CLAUDE = 'official-outputs/direct-response.claude.jsonl';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
let browser: Browser;

beforeAll(async () => {
  if (!SKIP_WITHOUT_CHROMIUM) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x);

/** Wall time of an action until the match count changes, and the browser's own time to re-render. */
async function timed(page: Page, action: () => Promise<void>): Promise<{ wallMs: number; renderMs: number }> {
  const before = await page.locator('#sample-count').textContent();
  const t0 = performance.now();
  await action();
  await page.waitForFunction((b) => document.getElementById('sample-count')!.textContent !== b, before, { timeout: 30_000 });
  const wallMs = performance.now() - t0;
  const renderMs = await page.evaluate(() => (window as unknown as { __ipdReport: { lastRenderMs: number } }).__ipdReport.lastRenderMs);
  return { wallMs: round(wallMs), renderMs: round(renderMs) };
}

describe.skipIf(SKIP_WITHOUT_CHROMIUM)('a 5,000-prediction report', () => {
  itWithReference(
    'is one file that loads and stays responsive in headless Chromium',
    [TEST_SET, CLAUDE],
    async () => {
      const claude = new Map<string, string>();
      for (const line of readFileSync(referencePath(CLAUDE), 'utf8').split('\n').filter(Boolean)) {
        const row = JSON.parse(line) as { index: number; task: string; predict: string };
        claude.set(`${row.task}:${row.index}`, row.predict);
      }
      const fake = await createRunDir({ pathways: [...PATHWAY_IDS], perTask: 100, judge: true, response: (item) => claude.get(`${item.task}:${item.index}`) });
      expect(fake.predictions).toHaveLength(5000);
      const t0 = performance.now();
      const file = await writeRunReport(fake.dir);
      const renderMs = performance.now() - t0;
      const bytes = statSync(file).size;

      const loads: number[] = [];
      let timings: Record<string, number> = {};
      for (let i = 0; i < 3; i++) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        const start = performance.now();
        await page.goto(pathToFileURL(file).href);
        await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 });
        loads.push(performance.now() - start);
        timings = await page.evaluate(() => (window as unknown as { __ipdReport: { timings: Record<string, number> } }).__ipdReport.timings);
        if (i < 2) await page.close();
        else {
          const page3 = page;
          const errors: string[] = [];
          page3.on('pageerror', (e) => errors.push(e.message));
          expect(await page3.locator('#sample-count').textContent()).toMatch(/^5000 of 5000 /);
          const interactions = {
            filterTask: await timed(page3, async () => {
              await page3.selectOption('#filter-task', 'rank');
            }),
            sortByMetric: await timed(page3, async () => {
              await page3.selectOption('#filter-task', '');
              await page3.click('#sample-table th[data-sort="value_f1"]');
            }),
            regexOverPrompts: await timed(page3, async () => {
              await page3.check('#filter-regex');
              await page3.fill('#filter-text', 'income:\\s*high|high income');
            }),
          };
          const target = fake.predictions[4321];
          const key = `run0:${target.pathway}/${target.task}:${target.index}`;
          const linkStart = performance.now();
          await page3.goto(`${pathToFileURL(file).href}#samples?open=${encodeURIComponent(key)}`);
          await page3.locator(`tr.sample-detail[data-key="${key}"]`).waitFor();
          const deepLinkMs = round(performance.now() - linkStart);
          expect(errors).toEqual([]);
          const report = {
            predictions: fake.predictions.length,
            judged: fake.judge.length,
            pageBytes: bytes,
            pageMiB: Number((bytes / 2 ** 20).toFixed(1)),
            nodeRenderMs: round(renderMs),
            loadMs: loads.map(round),
            loadMedianMs: round(median(loads)),
            inPageMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, round(v)])),
            interactions,
            deepLinkMs,
            cores: (await import('node:os')).availableParallelism(),
            loadAverage: (await import('node:os')).loadavg().map((x) => Number(x.toFixed(1))),
          };
          mkdirSync(ARTIFACTS, { recursive: true });
          await writeFile(path.join(ARTIFACTS, 'report-5000.json'), `${JSON.stringify(report, null, 2)}\n`);
          process.stdout.write(`5,000-prediction report: ${JSON.stringify(report)}\n`);
          await page3.screenshot({ path: path.join(ARTIFACTS, 'report-5000-deep-link.png') });
          await page3.close();

          expect(bytes).toBeLessThan(30 * 2 ** 20);
          expect(median(loads)).toBeLessThan(15_000);
          for (const [name, t] of Object.entries(interactions)) expect(t.renderMs, name).toBeLessThan(1500);
        }
      }
    },
    600_000,
  );
});
