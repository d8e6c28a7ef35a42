// The report's sample browser and comparison page driven in headless Chromium from file://:
// filters, search, sorting, deep links in the URL fragment, CSV downloads, interval whiskers,
// the Differences section. Expected counts come from the run's records, not from the page.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { writeComparison, writeRunReport } from '../../bench/report/node';
import type { PredictionRecord } from '../../bench/runlog';
import { isJudgeFailure } from '../../scorers';
import { REPO_ROOT } from '../helpers/cli';
import { itWithReference } from '../helpers/reference';
import { createRunDir, TEST_SET, type FakeRun } from '../helpers/run-dir';
import { launchChromium, SKIP_WITHOUT_CHROMIUM } from '../web/helpers/browser';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (!SKIP_WITHOUT_CHROMIUM) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 });
  return { page, errors };
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++;
    } else field += c;
  }
  return rows;
}

async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: dl.suggestedFilename(), text: await readFile((await dl.path())!, 'utf8') };
}

const keyOf = (p: Pick<PredictionRecord, 'pathway' | 'task' | 'index'>) => `run0:${p.pathway}/${p.task}:${p.index}`;
const count = (page: Page) => page.locator('#sample-count').textContent();
const matching = (n: number) => new RegExp(`^${n} of 120 `);

describe.skipIf(SKIP_WITHOUT_CHROMIUM)('the sample browser in Chromium', () => {
  itWithReference(
    'filters by parts, metric and judge score; searches prompt and response (text and regex); sorts; opens deep links; exports CSV',
    [TEST_SET],
    async () => {
      const fake: FakeRun = await createRunDir({ pathways: ['direct-response', 'type-guided', 'task-related'], perTask: 4, judge: true });
      const file = await writeRunReport(fake.dir);
      const url = pathToFileURL(file).href;
      const { page, errors } = await open(url);
      expect(await count(page)).toMatch(matching(120));

      // Parts: the fake run misses the analysis of some items of the two attribute pathways.
      await page.selectOption('#filter-parts', 'missing-analysis');
      expect(await count(page)).toMatch(matching(fake.predictions.filter((p) => p.missing.includes('analysis')).length));
      await page.selectOption('#filter-parts', 'complete');
      expect(await count(page)).toMatch(matching(fake.predictions.filter((p) => p.missing.length === 0).length));
      await page.selectOption('#filter-parts', 'judge-failed');
      expect(await count(page)).toMatch(matching(fake.judge.filter((j) => isJudgeFailure(j.status)).length));
      await page.selectOption('#filter-parts', '');

      // Judge score range, on usable totals only; combined with a metric range.
      await page.fill('#filter-judge-min', '10');
      const highJudge = fake.judge.filter((j) => !isJudgeFailure(j.status) && j.scores.Total! >= 10);
      expect(await count(page)).toMatch(matching(highJudge.length));
      await page.selectOption('#filter-metric', 'answer_acc');
      await page.fill('#filter-min', '0.5');
      const both = highJudge.filter((j) => fake.predictions.find((p) => keyOf(p) === keyOf(j))!.metrics.answer_acc >= 0.5);
      expect(await count(page)).toMatch(matching(both.length));
      await page.click('#filter-reset');
      expect(await count(page)).toMatch(matching(120));

      // Regex over responses; a broken regex says so and filters nothing.
      await page.check('#filter-regex');
      await page.selectOption('#filter-scope', 'response');
      await page.fill('#filter-text', '^- attribute values:');
      const attributeValues = fake.predictions.filter((p) => /^- Attribute Values:/i.test(p.response)).length;
      expect(attributeValues).toBe(40);
      await expect.poll(() => count(page)).toMatch(matching(attributeValues));
      await page.fill('#filter-text', '(unclosed');
      await expect.poll(() => page.locator('#filter-error').isVisible()).toBe(true);
      expect(await page.locator('#filter-error').textContent()).toMatch(/Not a valid regular expression/);
      expect(await count(page)).toMatch(matching(120));
      await page.uncheck('#filter-regex');

      // Plain text: an item's request is in its three prompts, in no response.
      const request = fake.items[5].request.slice(0, 60);
      await page.fill('#filter-text', request.toUpperCase());
      await expect.poll(() => count(page)).toMatch(matching(0));
      await page.selectOption('#filter-scope', 'prompt');
      const inPrompts = fake.predictions.filter((p) => p.prompt.toLowerCase().includes(request.toLowerCase())).length;
      expect(inPrompts).toBeGreaterThanOrEqual(3);
      expect(await count(page)).toMatch(matching(inPrompts));
      await page.click('#filter-reset');

      // Sorting: by a column header, high first, then reversed.
      const column = (i: number) => page.locator('tr.sample-row').evaluateAll((rows, j) => rows.map((r) => Number((r as HTMLTableRowElement).cells[j].textContent)), i);
      await page.click('#sample-table th[data-sort="attribute_f1"]');
      const atf = fake.predictions.map((p) => p.metrics.attribute_f1);
      const desc = await column(4);
      expect(desc[0]).toBe(Math.max(...atf));
      expect(desc).toEqual([...desc].sort((a, b) => b - a));
      await page.click('#sample-table th[data-sort="attribute_f1"]');
      expect((await column(4))[0]).toBe(Math.min(...atf));

      // The view is in the address bar: the same URL in a new tab shows the same rows.
      await page.selectOption('#filter-task', 'advice');
      expect(page.url()).toMatch(/#samples\?task=advice&.*sort=attribute_f1&dir=asc/);
      const again = await open(page.url());
      expect(await count(again.page)).toMatch(matching(12));
      expect(await again.page.locator('#filter-sort').inputValue()).toBe('attribute_f1');
      await again.page.close();

      // A deep link opens one sample on its page, scrolled into view, everything side by side.
      const last = fake.predictions.filter((p) => p.pathway === 'task-related').at(-1)!;
      const judged = fake.judge.find((j) => keyOf(j) === keyOf(last))!;
      const linked = await open(`${url}#samples?open=${encodeURIComponent(keyOf(last))}`);
      const detail = linked.page.locator(`tr.sample-detail[data-key="${keyOf(last)}"]`);
      await expect.poll(() => detail.count()).toBe(1);
      expect(await linked.page.locator('#page-info').textContent()).toBe('page 5 of 5');
      // Its row is at the top of the window (to a subpixel), the details below it.
      const box = (await linked.page.locator(`tr.sample-row[data-key="${keyOf(last)}"]`).boundingBox())!;
      expect(Math.abs(box.y)).toBeLessThan(2);
      expect(await detail.locator('pre.prompt').textContent()).toBe(last.prompt);
      expect(await detail.locator('pre.response').textContent()).toBe(last.response);
      expect(await detail.locator('pre.judge-output').textContent()).toBe(judged.output);
      const gtRequest = fake.items.find((i) => i.task === last.task && i.index === last.index)!.request;
      expect(await detail.locator('table.versus').textContent()).toContain(gtRequest);
      expect(await detail.locator('table.mini').textContent()).toContain(last.metrics.attribute_f1.toFixed(3));
      await linked.page.screenshot({ path: path.join(ARTIFACTS, 'report-sample-detail.png') });
      // A link with filters applies them.
      await linked.page.goto(`${url}#samples?task=rank&sort=value_f1&dir=asc`);
      await expect.poll(() => count(linked.page)).toMatch(matching(12));
      expect(await linked.page.locator('#filter-task').inputValue()).toBe('rank');
      // A row's own link opens it.
      const firstKey = await linked.page.locator('tr.sample-row').first().getAttribute('data-key');
      await linked.page.locator('tr.sample-row a.permalink').first().click();
      await expect.poll(() => linked.page.locator(`tr.sample-detail[data-key="${firstKey}"]`).count()).toBe(1);
      expect(linked.errors).toEqual([]);
      await linked.page.close();

      // CSV of the matching samples (all pages), and of a static table with its intervals.
      await page.selectOption('#filter-task', 'rank');
      const csv = await download(page, () => page.click('#export-csv'));
      expect(csv.name).toBe('samples.csv');
      const rows = parseCsv(csv.text);
      expect(rows).toHaveLength(13);
      const head = rows[0];
      for (const row of rows.slice(1)) {
        const rec = fake.predictions.find((p) => p.pathway === row[head.indexOf('pathway')] && `${p.task}:${p.index}` === row[head.indexOf('item')])!;
        expect(row[head.indexOf('task')]).toBe('rank');
        expect(row[head.indexOf('response')]).toBe(rec.response);
        expect(Number(row[head.indexOf('attribute_f1')])).toBe(rec.metrics.attribute_f1);
      }
      const summary = await download(page, () => page.click('#summary .csv-bar button'));
      const table = parseCsv(summary.text);
      expect(table[0]).toContain('Attribute F1 CI low');
      expect(table).toHaveLength(4);
      expect(table[1][0]).toBe('direct-response');
      const ci = fake.metrics!.pathways['direct-response'].overall.ci95!.answer_acc!;
      expect([table[1][table[0].indexOf('Answer accuracy CI low')], table[1][table[0].indexOf('Answer accuracy CI high')]]).toEqual([ci[0].toFixed(3), ci[1].toFixed(3)]);

      // Interval whiskers: one per bar (3 pathways x 10 tasks; 3 x 4 metrics on the pathway chart).
      const whiskers = await page.evaluate(() => (window as unknown as { __ipdReport: { errorBars: Record<string, number> } }).__ipdReport.errorBars);
      expect(whiskers['chart-metric-attribute_f1']).toBe(30);
      expect(whiskers['chart-pathways']).toBe(12);
      expect(errors).toEqual([]);
      await page.goto(`${url}#manifest`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'report-manifest.png') });
      await page.close();
    },
    240_000,
  );

  itWithReference(
    'compare page: a planted difference is flagged in the paired table; runs over other items are compared unpaired, and the page says so',
    [TEST_SET],
    async () => {
      const a = await createRunDir({ pathways: ['type-guided'], perTask: 4, model: 'org/model-a', seed: 1 });
      const better = await cloneRun(a, 'org/model-b', (p) => ({ ...p, metrics: { ...p.metrics, attribute_f1: Math.min(1, p.metrics.attribute_f1 + 0.2) } }));
      const elsewhere = await cloneRun(a, 'org/model-c', (p) => ({ ...p, index: p.index + 100_000 }));
      const out = path.join(ARTIFACTS, 'compare-differences.html');
      await writeComparison([a.dir, better, elsewhere], out);
      const { page, errors } = await open(pathToFileURL(out).href);
      const tables = page.locator('table.differences');
      expect(await tables.count()).toBe(2);
      expect(await tables.nth(0).getAttribute('data-mode')).toBe('paired');
      expect(await page.locator('p.pairing').nth(0).textContent()).toBe('Paired over the 40 items both runs have.');
      // attribute F1 is the second metric column; the last row is all items.
      const overall = tables.nth(0).locator('tr.total td').nth(2);
      expect(await overall.getAttribute('data-significant')).toBe('true');
      expect(await overall.textContent()).toMatch(/^\+0\.\d{3} ▲/);
      // The metrics that did not change: a zero difference, not flagged.
      expect(await tables.nth(0).locator('tr.total td').nth(1).textContent()).toMatch(/^0\.000/);
      expect(await tables.nth(0).locator('tr.total td').nth(1).getAttribute('data-significant')).toBe('false');
      expect(await tables.nth(1).getAttribute('data-mode')).toBe('unpaired');
      expect(await page.locator('p.pairing.unpaired').textContent()).toMatch(/^Unpaired: the runs share no items \(40 and 40 items\)/);
      // The manifest marks what differs between the runs (the model).
      expect(await page.locator('table.manifest tr.differs th').first().textContent()).toBe('Model ≠');
      expect(errors).toEqual([]);
      await page.locator('#differences').screenshot({ path: path.join(ARTIFACTS, 'compare-differences.png') });
      await page.close();
    },
    180_000,
  );
});

/** A copy of a fake run under another model name, its predictions transformed; metrics.json is left to reduce(). */
async function cloneRun(src: FakeRun, model: string, transform: (p: PredictionRecord) => PredictionRecord): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ipd-run-'));
  await writeFile(path.join(dir, 'run.json'), JSON.stringify({ ...src.run, spec: { ...src.run.spec, model } }));
  await writeFile(path.join(dir, 'predictions.jsonl'), src.predictions.map((p) => `${JSON.stringify(transform(p))}\n`).join(''));
  return dir;
}
