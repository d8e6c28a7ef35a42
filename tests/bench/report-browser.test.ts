// Opens rendered reports in headless Chromium from file://: charts drawn, filters working,
// hostile model text inert, screenshots saved to test-artifacts/ for a human look.
import { mkdirSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { renderComparison, writeRunReport } from '../../bench/report/node';
import { REPO_ROOT } from '../helpers/cli';
import { itWithReference, REFERENCE_DIR } from '../helpers/reference';
import { createRunDir, TEST_SET } from '../helpers/run-dir';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const METRIC_CHARTS = ['answer_acc', 'attribute_f1', 'value_f1', 'relative_value_acc'].map((m) => `chart-metric-${m}`);
const HOSTILE = [
  '- Analysis: [<script>window.__xss = "script"</script>]',
  '- Answer: [<img src=x onerror="window.__xss = \'img\'"> </script><script>window.__xss = "close"</script> <!-- &lt;b&gt;]',
].join('\n');

let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-sandbox'],
  });
});

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  requests: string[];
  pageErrors: string[];
  consoleErrors: string[];
}

async function open(file: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 30_000 });
  return { page, requests, pageErrors, consoleErrors };
}

/** Chart.js instances per canvas id, with their dataset labels and how many pixels were painted. */
async function chartState(page: Page, ids: string[]) {
  return page.evaluate((chartIds) => {
    const C = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { label: string }[] } } | undefined } }).Chart;
    return chartIds.map((id) => {
      const canvas = document.getElementById(id) as HTMLCanvasElement | null;
      if (!canvas) return { id, exists: false, chart: false, labels: [] as string[], painted: 0 };
      const chart = C.getChart(canvas);
      const ctx = canvas.getContext('2d')!;
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) painted++;
      return { id, exists: true, chart: Boolean(chart), labels: chart ? chart.data.datasets.map((d) => d.label) : [], painted };
    });
  }, ids);
}

describe('report.html in Chromium', () => {
  itWithReference(
    'draws every chart, filters the sample browser, keeps model text inert, and stays offline',
    [TEST_SET],
    async () => {
      let hostileSent = false;
      const fake = await createRunDir({
        pathways: ['direct-response', 'type-guided', 'task-related'],
        perTask: 4,
        judge: true,
        model: `org/tiny<img src=x onerror="window.__xss = 'model'">`,
        // The first type-guided item (fake.items[0]) answers with markup.
        response: (_item, pathway) => (pathway === 'type-guided' && !hostileSent ? ((hostileSent = true), HOSTILE) : undefined),
      });
      const file = await writeRunReport(fake.dir);
      expect(file).toBe(path.join(fake.dir, 'report.html'));
      const { page, requests, pageErrors, consoleErrors } = await open(file);

      // Charts: one Chart.js instance per expected canvas, each with pixels on it.
      const ids = [...METRIC_CHARTS, 'chart-pathways', 'chart-atf-rva', 'chart-judge'];
      const charts = await chartState(page, ids);
      for (const c of charts) {
        expect(c, c.id).toMatchObject({ exists: true, chart: true });
        expect(c.painted, `${c.id} painted pixels`).toBeGreaterThan(2000);
        // The scatter's legend adds each pathway's r: "type-guided (r = 0.123)".
        expect(c.labels.map((l) => l.replace(/ \(r = .*\)$/, ''))).toEqual(['direct-response', 'type-guided', 'task-related']);
      }
      const scatterTitle = await page.evaluate(() => {
        const C = (window as unknown as { Chart: { getChart(id: string): { options: { plugins: { title: { text: string } } } } } }).Chart;
        return C.getChart('chart-atf-rva').options.plugins.title.text;
      });
      expect(scatterTitle).toMatch(/Pearson r: .*type-guided -?\d\.\d{3}/);
      expect(await page.evaluate(() => (window as unknown as { __ipdReport: { errors: string[] } }).__ipdReport.errors)).toEqual([]);

      // Static tables: headline rows, judge failures listed with their item ids (the fake judge
      // writes only ok replies and failures).
      expect(await page.locator('table.headline tbody tr').count()).toBe(3);
      const failures = await page.locator('#judge .judge-failures').allTextContents();
      expect(failures).toHaveLength(3);
      const failed = fake.judge.filter((j) => j.pathway === 'direct-response' && j.status !== 'ok').map((j) => `${j.task}:${j.index}`);
      expect(failed.length).toBeGreaterThan(0);
      expect(failures[0]).toContain(`${failed.length} judge failure(s)`);
      expect(new Set(failures[0].split('not averaged in: ')[1].split(', '))).toEqual(new Set(failed));
      expect(await page.locator('table.judge-totals tbody tr').count()).toBe(3);

      // Sample browser: 3 pathways x 40 items; a task filter leaves only that task.
      const count = () => page.locator('#sample-count').textContent();
      expect(await count()).toMatch(/^120 of 120/);
      await page.selectOption('#filter-task', 'rank');
      expect(await count()).toMatch(/^12 of 120/);
      const tasks = await page.locator('tr.sample-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.task));
      expect(tasks).toHaveLength(12);
      expect(new Set(tasks)).toEqual(new Set(['rank']));
      await page.selectOption('#filter-series', { label: 'type-guided' });
      expect(await count()).toMatch(/^4 of 120/);
      // Score range on attribute F1: direct-response has none above 0.
      await page.selectOption('#filter-task', '');
      await page.selectOption('#filter-series', { label: 'direct-response' });
      await page.selectOption('#filter-metric', 'attribute_f1');
      await page.fill('#filter-min', '0.01');
      expect(await count()).toMatch(/^0 of 120/);
      await page.fill('#filter-min', '');
      await page.selectOption('#filter-series', '');
      await page.fill('#filter-max', '0.5');
      const lowAtf = fake.predictions.filter((p) => p.metrics.attribute_f1 <= 0.5).length;
      expect(await count()).toMatch(new RegExp(`^${lowAtf} of 120`));
      await page.fill('#filter-max', '');

      // Text search finds the hostile item; its text shows literally and runs nothing.
      // (The search box waits for typing to pause before it filters.)
      await page.fill('#filter-text', 'onerror');
      await expect.poll(count).toMatch(/^1 of 120/);
      await page.locator('tr.sample-row').first().click();
      const detail = page.locator('tr.sample-detail');
      await expect.poll(() => detail.count()).toBe(1);
      expect(await detail.locator('pre.response').textContent()).toBe(HOSTILE);
      expect(await detail.locator('img').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
      expect(await page.locator('h1').textContent()).toContain('<img src=x');
      expect(await page.locator('img').count()).toBe(0);
      // The GT from the dataset file is shown next to the prediction.
      expect(await detail.textContent()).toContain(fake.items[0].request);

      // Offline: the page is the only request; nothing failed.
      expect(requests).toEqual([pathToFileURL(file).href]);
      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);

      await page.fill('#filter-text', '');
      await expect.poll(count).toMatch(/^120 of 120/);
      await page.locator('tr.sample-row').nth(1).click();
      await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
      await copyFile(file, path.join(ARTIFACTS, 'report.html'));
      await page.close();
    },
    180_000,
  );

  itWithReference(
    'compare page: two runs side by side with the paper’s rows as reference marks',
    [TEST_SET, 'all_datasets_all_models_metrics.json', 'gpt4o_eval_new.json'],
    async () => {
      const a = await createRunDir({ pathways: ['type-guided'], perTask: 3, model: 'org/model-a', judge: true, seed: 1 });
      const b = await createRunDir({ pathways: ['type-guided'], perTask: 3, model: 'org/model-b', writeMetrics: false, seed: 2 });
      const html = await renderComparison([a.dir, b.dir], { reference: REFERENCE_DIR, models: ['gpt4o', 'claude'] });
      const file = path.join(ARTIFACTS, 'compare.html');
      await writeFile(file, html);
      const { page, pageErrors, requests } = await open(file);
      const charts = await chartState(page, [...METRIC_CHARTS, 'chart-pathways', 'chart-judge']);
      for (const c of charts) {
        expect(c, c.id).toMatchObject({ exists: true, chart: true });
        expect(c.painted).toBeGreaterThan(2000);
      }
      expect(charts[0].labels).toEqual(['model-a · type-guided', 'model-b · type-guided', 'paper · gpt4o', 'paper · claude']);
      // A mark per paper model over each bar: 2 models x 2 runs x 10 tasks (4 metrics on the pathway chart);
      // the judge chart has one judged run.
      const marks = await page.evaluate(() => (window as unknown as { __ipdReport: { referenceMarks: Record<string, number> } }).__ipdReport.referenceMarks);
      expect(marks).toEqual({ ...Object.fromEntries(METRIC_CHARTS.map((id) => [id, 40])), 'chart-pathways': 16, 'chart-judge': 20 });
      // Hiding a paper model in the legend removes its marks.
      await page.evaluate(() => {
        const C = (window as unknown as { Chart: { getChart(id: string): { setDatasetVisibility(i: number, v: boolean): void; update(): void } } }).Chart;
        const chart = C.getChart('chart-pathways');
        chart.setDatasetVisibility(2, false);
        chart.update();
      });
      expect(await page.evaluate(() => (window as unknown as { __ipdReport: { referenceMarks: Record<string, number> } }).__ipdReport.referenceMarks['chart-pathways'])).toBe(8);
      // Reference rows sit in the sums tables with the paper's numbers.
      const refRow = page.locator('table.sums[data-metric="answer_acc"] tr.ref').first();
      expect(await refRow.textContent()).toContain('paper · gpt4o');
      expect(pageErrors).toEqual([]);
      expect(requests).toHaveLength(1);
      await page.screenshot({ path: path.join(ARTIFACTS, 'compare.png'), fullPage: true });
      await page.close();
    },
    180_000,
  );
});
