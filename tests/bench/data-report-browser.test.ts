// Opens quality.html in headless Chromium from file://: the official test set's report with
// every chart drawn, and a set with planted duplicates and a skewed attribute flagged in the
// side-by-side view. Screenshots go to test-artifacts/ for a human look.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { writeDataReport } from '../../bench/data-report';
import { ATTRIBUTE_DICT, GROUP_KEY_ORDER, selectPerTask } from '../../pathways';
import { readDataset } from '../../pathways/node';
import { REPO_ROOT } from '../helpers/cli';
import { toJsonl, withDuplicates, withSkew } from '../helpers/data-sets';
import { itWithReference, referencePath } from '../helpers/reference';
import { TEST_SET } from '../helpers/run-dir';
import { launchChromium } from '../web/helpers/browser';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const TMP = mkdtempSync(path.join(tmpdir(), 'ipd-data-report-page-'));
const LENGTHS = ['rounds_per_history', 'words_per_user_turn', 'words_per_ai_turn', 'request_words', 'analysis_words', 'answer_words'];
/** Every chart the page has without --stats. */
const CHARTS = ['chart-diversity', ...LENGTHS.map((l) => `chart-length-${l}`), ...GROUP_KEY_ORDER.map((k) => `chart-attr-${k}`), 'chart-related-size', 'chart-related-attrs', 'chart-tasks'];

let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  rmSync(TMP, { recursive: true, force: true });
});

async function open(file: string) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const requests: string[] = [];
  const pageErrors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 30_000 });
  return { page, requests, pageErrors };
}

/** Per canvas: a Chart.js instance, its dataset labels, and how many pixels were painted. */
async function chartState(page: Page, ids: string[]) {
  return page.evaluate((chartIds) => {
    type ChartLike = { data: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] } };
    const C = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): ChartLike | undefined } }).Chart;
    return chartIds.map((id) => {
      const canvas = document.getElementById(id) as HTMLCanvasElement | null;
      if (!canvas) return { id, chart: false, labels: [] as string[], categories: [] as string[], data: [] as (number | null)[][], painted: 0 };
      const chart = C.getChart(canvas);
      const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) painted++;
      return {
        id,
        chart: Boolean(chart),
        labels: chart ? chart.data.datasets.map((d) => d.label) : [],
        categories: chart ? chart.data.labels : [],
        data: chart ? chart.data.datasets.map((d) => d.data) : [],
        painted,
      };
    });
  }, ids);
}

describe('quality.html in Chromium', () => {
  itWithReference(
    'the official test set: every chart drawn from the set’s figures, offline, no flag',
    [TEST_SET],
    async () => {
      const { html, report } = await writeDataReport({ data: referencePath(TEST_SET), out: path.join(TMP, 'official') });
      const { page, requests, pageErrors } = await open(html);
      const charts = await chartState(page, CHARTS);
      for (const c of charts) {
        expect(c.chart, c.id).toBe(true);
        expect(c.painted, `${c.id} painted pixels`).toBeGreaterThan(2000);
        expect(c.labels, c.id).toEqual(c.id.startsWith('chart-attr-') ? ['this set', 'sampling rules'] : ['this set']);
      }
      // The tasks chart: 100 of 1,000 items each, by the paper's design.
      const tasks = charts.find((c) => c.id === 'chart-tasks')!;
      expect(tasks.data[0]).toEqual(tasks.categories.map(() => 0.1));
      // The gender chart: the official set's shares, counted here from the file, and the rules' 1/2.
      const items = (await readDataset(referencePath(TEST_SET))).items.map((x) => x.item);
      const gender = charts.find((c) => c.id === 'chart-attr-gender')!;
      expect(gender.categories).toEqual([...ATTRIBUTE_DICT.gender]);
      gender.categories.forEach((v, i) => {
        expect(gender.data[0][i]).toBeCloseTo(items.filter((it) => it.user_attr_group.gender === v).length / 1000, 12);
        expect(gender.data[1][i]).toBeCloseTo(0.5, 12);
      });
      expect(await page.evaluate(() => (window as unknown as { __ipdDataReport: { errors: string[] } }).__ipdDataReport.errors)).toEqual([]);
      expect(await page.locator('#flags').textContent()).toContain('No shortcomings found');
      expect(await page.locator('tr.flagged').count()).toBe(0);
      // The static tables show the figures: items, and distinct-1/2 of the histories.
      expect(await page.locator('tr[data-figure="items"] td').nth(1).textContent()).toBe('1000');
      expect(await page.locator('tr[data-figure="lexical.histories.distinct_2"] td').nth(1).textContent()).toBe(report.set.lexical.histories.distinct_2!.toFixed(3));
      expect(requests).toEqual([pathToFileURL(html).href]);
      expect(pageErrors).toEqual([]);
      await page.screenshot({ path: path.join(ARTIFACTS, 'data-report-official.png'), fullPage: true });
      copyFileSync(html, path.join(ARTIFACTS, 'data-report-official.html'));
      await page.close();
    },
    180_000,
  );

  itWithReference(
    'a set with planted duplicates and a skewed attribute is flagged beside the official set',
    [TEST_SET],
    async () => {
      // 40 official items per task; 60 of them copied; all but every 10th user made female.
      const base = selectPerTask((await readDataset(referencePath(TEST_SET))).items, 40).map((x) => x.item);
      const planted = withSkew(withDuplicates(base, 60, 5), 'gender', 'female', 10);
      const data = path.join(TMP, 'planted.jsonl');
      writeFileSync(data, toJsonl(planted));
      const stats = path.join(TMP, 'stats.json');
      const step = { units: 40, generated: 90, parsed: 88, parseFailures: 2, passed: 30, dropped: 10, dropReasons: { inconsistent: 6, exam_failed: 4 }, outputs: 30, counters: { exam: 50, exam_passed: 40, regenerate: 3, improve: 7, consistency: 40 } };
      writeFileSync(stats, JSON.stringify({ finished: true, model: 'org/gen', steps: { histories: step } }));
      const { html, report } = await writeDataReport({ data, reference: referencePath(TEST_SET), stats, out: path.join(TMP, 'planted') });

      // Each copy duplicates its original (the official set has no near-duplicate pair): 60 of 460 dropped.
      expect(report.set.near_duplicates).toMatchObject({ near_pairs: 60, would_drop: 60, drop_share: 60 / 460 });
      const female = planted.filter((it) => it.user_attr_group.gender === 'female').length / planted.length;
      expect(report.set.attributes.per_attribute.gender.tvd).toBeCloseTo(female - 0.5, 12);

      const { page, pageErrors } = await open(html);
      const flagged = async (figure: string) => (await page.locator(`tr[data-figure="${figure}"]`).getAttribute('class')) === 'flagged';
      expect(await flagged('near_duplicates.drop_share')).toBe(true);
      expect(await flagged('attributes.per_attribute.gender.tvd')).toBe(true);
      // The rest of the attributes are as the official subset had them: not flagged.
      for (const key of GROUP_KEY_ORDER.filter((k) => k !== 'gender')) expect(await flagged(`attributes.per_attribute.${key}.tvd`), key).toBe(false);
      expect(await flagged('lexical.histories.equal_size.ttr')).toBe(false);
      // Side by side: this set, the reference, the difference.
      const dupCells = await page.locator('tr[data-figure="near_duplicates.drop_share"] td').allTextContents();
      expect(dupCells).toEqual(['Share of items the dedup step would drop', (60 / 460).toFixed(3), '0', `+${(60 / 460).toFixed(3)}`]);
      expect(await page.locator('tr[data-figure="near_duplicates.drop_share"] td').nth(3).getAttribute('class')).toContain('worse');
      const flags = await page.locator('#flags li.warn').evaluateAll((li) => li.map((x) => `${(x as HTMLElement).dataset.code} ${(x as HTMLElement).dataset.figure}`));
      expect(flags.slice(0, 2)).toEqual(['near_duplicates near_duplicates.drop_share', 'attribute_skew attributes.per_attribute.gender.tvd']);
      // The copies also make requests and analyses repeat each other (Self-BLEU); nothing else falls short.
      expect(flags.slice(2).every((f) => /^low_diversity lexical\.(requests|analyses)\.self_bleu\.value$/.test(f)), flags.join('; ')).toBe(true);
      expect(await page.locator('#flags li[data-code="near_duplicates"]').textContent()).toContain('60 of 460 items (13.0%)');
      expect(await page.locator('#flags li[data-code="attribute_skew"]').textContent()).toMatch(/female is 9\d\.\d% of items, the rules give 50\.0%/);
      // The duplicated pairs are listed with their texts.
      expect(await page.locator('table.examples tbody tr').count()).toBe(20);

      const charts = await chartState(page, [...CHARTS, 'chart-pipeline']);
      for (const c of charts) {
        expect(c.chart, c.id).toBe(true);
        expect(c.painted, `${c.id} painted pixels`).toBeGreaterThan(2000);
      }
      for (const c of charts.filter((x) => x.id !== 'chart-pipeline')) expect(c.labels, c.id).toContain('reference');
      const gender = charts.find((c) => c.id === 'chart-attr-gender')!;
      expect(gender.data[0][1]).toBeCloseTo(female, 12);
      expect(gender.data[1]).toEqual(gender.categories.map((v) => report.reference!.attributes.per_attribute.gender.counts[v] / 1000));
      // The pipeline section: 40 of 50 exams passed.
      expect(await page.locator('#pipeline tr[data-figure="exam_pass_rate"]').textContent()).toContain('80.0%');
      expect(await page.locator('#pipeline tr[data-step="histories"]').textContent()).toContain('inconsistent 6, exam_failed 4');
      expect(pageErrors).toEqual([]);
      await page.locator('#flags').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(ARTIFACTS, 'data-report-planted.png'), fullPage: true });
      copyFileSync(html, path.join(ARTIFACTS, 'data-report-planted.html'));
      await page.close();
    },
    180_000,
  );
});
