// The production build (`npm run web:build`): it builds, ships onnxruntime-web's runtime and
// the scoring data as files, and the built app, served with the isolation headers, loads the
// tiny model from a picked folder on threaded WASM and runs and scores an item end to end.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { itWithReference, referencePath } from '../helpers/reference';
import { download, errorText, jsonl, loadModelFolder, runBenchmark } from './helpers/app-driver';
import { launchChromium, openApp, SKIP_WITHOUT_CHROMIUM } from './helpers/browser';
import { createModelFolders, type ModelFolders } from './helpers/model-folders';
import { buildApp, startPreviewServer, type RunningServer } from './helpers/web-server';

const TEST_SET = 'filtered_data_test_1000.jsonl';

let outDir: string;
let folders: ModelFolders;
let server: RunningServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  outDir = mkdtempSync(path.join(os.tmpdir(), 'ipd-web-dist-'));
  folders = await createModelFolders();
  await buildApp(outDir);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  folders?.remove();
  rmSync(outDir, { recursive: true, force: true });
});

describe('web app production build', () => {
  it('emits the page, the worker, the ORT runtime and the scoring data', () => {
    expect(existsSync(path.join(outDir, 'index.html'))).toBe(true);
    expect(readdirSync(path.join(outDir, 'ort')).sort()).toEqual(['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm']);
    const assets = readdirSync(path.join(outDir, 'assets'));
    for (const pattern of [/^worker-.*\.js$/, /^WNdb-3\.0\.tar-.*\.gz$/, /^noun-.*\.exc$/, /^english-.*\.js$/, /^report-html-.*\.js$/]) {
      expect(assets.some((a) => pattern.test(a)), String(pattern)).toBe(true);
    }
  });

  describe.skipIf(SKIP_WITHOUT_CHROMIUM)('in Chromium', () => {
    itWithReference(
      'runs from the build: threaded WASM, generation and scoring',
      [TEST_SET],
      async () => {
        server = await startPreviewServer(outDir, folders.root);
        browser = await launchChromium();
        const { page, errors } = await openApp(browser, server.url);
        try {
          expect(await page.locator('#isolation').getAttribute('data-isolated')).toBe('true');
          // From the folder picker this time (the dev-server tests load by URL).
          expect(await loadModelFolder(page, folders.tinyDir, 'wasm'), await errorText(page)).toBe('ready');
          expect(await page.locator('#model-status').textContent()).toMatch(/^Loaded tiny-test-.* \(fp32\) on WASM/);
          expect(await page.locator('#backend').textContent()).toMatch(/^Backend: WASM, \d+ threads$/);
          // An advice item: its score needs METEOR, so WordNet and Punkt load from the build too.
          const state = await runBenchmark(page, { dataFile: referencePath(TEST_SET), pathway: 'task-related', perTask: 1, maxNewTokens: 4, tasks: ['advice'], timeout: 180_000 });
          expect(state, await errorText(page)).toBe('done');
          const text = (await download(page, 'dl-predictions')).text;
          const [pred] = jsonl<{ task: string; completion_tokens: number; metrics: { answer_acc: number } }>(text);
          expect(pred).toMatchObject({ task: 'advice', completion_tokens: 4 });
          // The built bundle's METEOR (WordNet and Punkt from the build's assets) scores the
          // response exactly as the CLI does from node_modules.
          const file = path.join(outDir, 'browser-predictions.jsonl');
          writeFileSync(file, text);
          const data = path.join(outDir, 'advice.jsonl');
          writeFileSync(data, `${readFileSync(referencePath(TEST_SET), 'utf8').split('\n').find((l) => JSON.parse(l).task === 'advice')}\n`);
          const cli = runCli(['score', '--pathway', 'task-related', '--predictions', file, '--data', data, '--format', 'json']);
          expect(cli.status, cli.stderr).toBe(0);
          const advice = (JSON.parse(cli.stdout) as { items: Array<{ task: string; answer_acc: number }> }).items.filter((it) => it.task === 'advice');
          expect(advice.map((it) => it.answer_acc)).toEqual([pred.metrics.answer_acc]);
          expect(errors.filter((e) => !/404 \(Not Found\)/.test(e))).toEqual([]);
        } finally {
          await page.close();
        }
      },
      300_000,
    );
  });
});
