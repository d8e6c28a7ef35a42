// The browser app on its dev server (`npm run web`) in headless Chromium without WebGPU: the
// tiny model served by the app's server runs on multi-threaded WASM, 2 items per task of one
// pathway; scores appear; the downloads follow the run-log schema, equal `ipdialog generate`
// on the same chat-templated prompts, and the CLI re-scoring them (`ipdialog score --run`)
// writes the same metrics.json as the browser did.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRecordSchema, pathwayTemplateHash, PredictionRecordSchema, RunRecordSchema } from '../../bench/runlog';
import { getPathway } from '../../pathways';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { itWithReference, referencePath } from '../helpers/reference';
import { download, errorText, jsonl, loadModelUrl, runBenchmark, waitForState } from './helpers/app-driver';
import { launchChromium, openApp, SKIP_WITHOUT_CHROMIUM } from './helpers/browser';
import { createModelFolders, type ModelFolders } from './helpers/model-folders';
import { startDevServer, type RunningServer } from './helpers/web-server';

const TEST_SET = 'filtered_data_test_1000.jsonl';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const MAX_NEW_TOKENS = 16;
const PATHWAY = 'direct-response';

let folders: ModelFolders;
let server: RunningServer;
let browser: Browser;

/** Both sides' files aligned by "task:index". */
function byKey<T extends { task?: unknown; index?: unknown; id?: unknown }>(rows: T[]): Map<string, T> {
  return new Map(rows.map((r) => [String(r.id ?? `${r.task}:${r.index}`), r]));
}

describe.skipIf(SKIP_WITHOUT_CHROMIUM)('web app on WASM', () => {
  beforeAll(async () => {
    folders = await createModelFolders();
    server = await startDevServer(folders.root);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    folders?.remove();
  });

  it('names the missing file when a picked model folder is incomplete', async () => {
    const { page } = await openApp(browser, server.url);
    try {
      await page.setInputFiles('#model-dir', folders.incompleteDir);
      expect(await waitForState(page, ['ready', 'error'], 60_000)).toBe('error');
      const text = await errorText(page);
      expect(text).toContain('MODEL_NOT_FOUND');
      expect(text).toContain('the picked folder "incomplete" is not a complete model folder: missing tokenizer.json');
      expect(text).toMatch(/Hint: a model folder needs config\.json, tokenizer\.json/);
      expect(await page.locator('#backend').getAttribute('data-device')).toBe('none');
      expect(await page.locator('#run').isDisabled()).toBe(true);
    } finally {
      await page.close();
    }
  }, 90_000);

  itWithReference(
    'runs 2 items per task, scores them, and downloads results equal to ipdialog generate',
    [TEST_SET],
    async () => {
      const dataFile = referencePath(TEST_SET);
      const { page, errors } = await openApp(browser, server.url);
      const out = mkdtempSync(path.join(os.tmpdir(), 'ipd-web-run-'));
      try {
        expect(await page.locator('#isolation').getAttribute('data-isolated')).toBe('true');
        expect(await loadModelUrl(page, '/models/tiny/', 'auto'), await errorText(page)).toBe('ready');
        // No --enable-unsafe-webgpu: no adapter, so "auto" lands on WASM, with threads (isolated page).
        const badge = page.locator('#backend');
        expect(await badge.getAttribute('data-device')).toBe('wasm');
        expect(Number(await badge.getAttribute('data-threads'))).toBeGreaterThanOrEqual(2);
        expect(await badge.textContent()).toMatch(/^Backend: WASM, \d+ threads$/);
        expect(await badge.getAttribute('title')).toContain('no WebGPU adapter, so WASM');

        expect(await runBenchmark(page, { dataFile, pathway: PATHWAY, perTask: 2, maxNewTokens: MAX_NEW_TOKENS, timeout: 300_000 }), await errorText(page)).toBe('done');
        expect(await page.locator('#items tbody tr[data-state="done"]').count()).toBe(20);
        // Every row got its text piece by piece while it ran, not only at the end.
        expect(await page.locator('#items tbody tr[data-streamed="true"]').count()).toBe(20);
        expect(await page.locator('#summary tbody tr').count()).toBe(11);
        const painted = await page.evaluate(() =>
          ['chart-tasks', 'chart-overall'].map((id) => {
            const c = document.getElementById(id) as HTMLCanvasElement;
            const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) n++;
            return n;
          }),
        );
        for (const n of painted) expect(n).toBeGreaterThan(1000);
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(ARTIFACTS, 'web-app-wasm.png'), fullPage: true });

        // Downloads: the run-log files parse with bench/runlog/schema.ts.
        // One at a time: each click must be matched with its own download event.
        const files: Record<string, string> = {};
        for (const id of ['dl-predictions', 'dl-metrics', 'dl-run', 'dl-generations', 'dl-report']) {
          const d = await download(page, id);
          writeFileSync(path.join(out, d.name), d.text);
          files[d.name] = d.text;
        }
        const predictions = jsonl(files['predictions.jsonl']).map((p) => PredictionRecordSchema.parse(p));
        const metrics = MetricsRecordSchema.parse(JSON.parse(files['metrics.json']));
        const run = RunRecordSchema.parse(JSON.parse(files['run.json']));
        expect(predictions).toHaveLength(20);
        expect(run).toMatchObject({ status: 'success', spec: { backend: 'ort-web', pathways: [PATHWAY], per_task: 2, prompt_mode: 'chat' }, environment: { device: expect.stringMatching(/^WASM/) } });
        expect(run.stats.items_done).toBe(20);
        // The manifest records what `ipdialog run` records of the model and the prompts: the dtype
        // loaded, exact numerics, and the pathway's template hash (the CLI's value).
        expect(run.spec).toMatchObject({ dtype: 'fp32', numerics: 'exact', pathway_templates: { [PATHWAY]: await pathwayTemplateHash(getPathway(PATHWAY)) } });
        expect(Object.keys(metrics.pathways[PATHWAY].tasks)).toHaveLength(10);

        // The CLI on the same prompts: same rendered prompts, same greedy tokens and text.
        const prompts = runCli(['prompts', '--pathway', PATHWAY, '--data', dataFile, '--per-task', '2']);
        expect(prompts.status, prompts.stderr).toBe(0);
        const cliPrompts = jsonl<{ index: number; task: string; prompt: string }>(prompts.stdout);
        expect(predictions.map((p) => [p.task, p.index, p.prompt])).toEqual(cliPrompts.map((p) => [p.task, p.index, p.prompt]));
        const input = path.join(out, 'generate-input.jsonl');
        writeFileSync(input, cliPrompts.map((p) => JSON.stringify({ id: `${p.task}:${p.index}`, prompt: p.prompt })).join('\n') + '\n');
        const cliOut = path.join(out, 'generate-output.jsonl');
        const gen = runCli(['generate', '--model', folders.tinyDir, '--input', input, '--out', cliOut, '--chat-template', '--max-new-tokens', String(MAX_NEW_TOKENS), '--threads', '2']);
        expect(gen.status, gen.stderr).toBe(0);
        const cli = jsonl(readFileSync(cliOut, 'utf8'));
        expect(jsonl(files['generations.jsonl'])).toEqual(cli);
        const cliByKey = byKey(cli);
        for (const p of predictions) {
          const c = cliByKey.get(`${p.task}:${p.index}`)!;
          expect(p.response).toBe(c.text);
          expect([p.prompt_tokens, p.completion_tokens, p.finish_reason]).toEqual([c.prompt_tokens, (c.token_ids as number[]).length, c.finish_reason]);
        }

        // The CLI takes the downloads as a run folder: re-scoring every response in Node gives the
        // metrics.json the browser wrote, to the last bit (one record format, one reduce()).
        const run2 = { ...run, spec: { ...run.spec, data_file: dataFile } };
        writeFileSync(path.join(out, 'run.json'), JSON.stringify(run2));
        const scored = runCli(['score', '--run', out, '--format', 'official']);
        expect(scored.status, scored.stderr).toBe(0);
        expect(scored.stderr).toMatch(/scored 20 predictions \(0 changed\)/);
        expect(JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'))).toEqual(JSON.parse(files['metrics.json']));
        const report = runCli(['report', '--run', out, '--out', path.join(out, 'cli-report.html')]);
        expect(report.status, report.stderr).toBe(0);

        // The page's own report.html: the CLI's report page; its CSP hashes (from the
        // browser's Web Crypto) must let its scripts run.
        expect(files['report.html']).toContain('IP-Dialog report');
        const rp = await browser.newPage();
        try {
          await rp.goto(pathToFileURL(path.join(out, 'report.html')).href);
          await rp.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 30_000 });
          expect(await rp.locator('#sample-count').textContent()).toContain('20');
        } finally {
          await rp.close();
        }
        // The only console error allowed is the 404 of probing for external weights (model.onnx_data).
        expect(errors.filter((e) => !/404 \(Not Found\)/.test(e))).toEqual([]);
      } finally {
        await page.close();
        rmSync(out, { recursive: true, force: true });
      }
    },
    420_000,
  );
});
