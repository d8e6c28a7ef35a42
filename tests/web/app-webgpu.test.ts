// The browser app on WebGPU: Chromium with --enable-unsafe-webgpu gets its SwiftShader
// (software) adapter here, the app picks WebGPU on its own and keeps the KV cache on the GPU,
// and the same items give the same greedy tokens as the WASM backend. SwiftShader is slow:
// 2 items, 4 new tokens.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { PredictionRecordSchema } from '../../bench/runlog';
import { REPO_ROOT } from '../helpers/cli';
import { itWithReference, referencePath } from '../helpers/reference';
import { download, errorText, jsonl, loadModelUrl, runBenchmark } from './helpers/app-driver';
import { launchChromium, openApp, SKIP_WITHOUT_CHROMIUM } from './helpers/browser';
import { createModelFolders, type ModelFolders } from './helpers/model-folders';
import { startDevServer, type RunningServer } from './helpers/web-server';

const TEST_SET = 'filtered_data_test_1000.jsonl';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const RUN = { pathway: 'type-guided', perTask: 2, maxNewTokens: 4, tasks: ['decision'] };

let folders: ModelFolders;
let server: RunningServer;
let browser: Browser;

/** Loads the tiny model on `device`, runs the items, returns the generate-style lines and the predictions. */
async function runOn(page: Page, device: 'auto' | 'wasm') {
  expect(await loadModelUrl(page, '/models/tiny/', device, 180_000), await errorText(page)).toBe('ready');
  const badge = {
    device: await page.locator('#backend').getAttribute('data-device'),
    text: await page.locator('#backend').textContent(),
  };
  expect(await runBenchmark(page, { ...RUN, dataFile: referencePath(TEST_SET), timeout: 300_000 }), await errorText(page)).toBe('done');
  const generations = jsonl<{ id: string; token_ids: number[]; text: string }>((await download(page, 'dl-generations')).text);
  const predictions = jsonl((await download(page, 'dl-predictions')).text).map((p) => PredictionRecordSchema.parse(p));
  return { badge, generations, predictions };
}

describe.skipIf(SKIP_WITHOUT_CHROMIUM)('web app on WebGPU (SwiftShader)', () => {
  beforeAll(async () => {
    folders = await createModelFolders();
    server = await startDevServer(folders.root);
    browser = await launchChromium({ webgpu: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    folders?.remove();
  });

  itWithReference(
    'picks WebGPU when an adapter exists and gives the same tokens as WASM',
    [TEST_SET],
    async () => {
      const gpuPage = await openApp(browser, server.url);
      const cpuPage = await openApp(browser, server.url);
      try {
        const gpu = await runOn(gpuPage.page, 'auto');
        expect(gpu.badge.device).toBe('webgpu');
        expect(gpu.badge.text).toMatch(/^Backend: WebGPU \(.*swiftshader.*\), KV cache on the GPU$/i);
        mkdirSync(ARTIFACTS, { recursive: true });
        await gpuPage.page.screenshot({ path: path.join(ARTIFACTS, 'web-app-webgpu.png'), fullPage: true });

        // The same browser, WASM chosen by hand: the reference tokens.
        const cpu = await runOn(cpuPage.page, 'wasm');
        expect(cpu.badge.device).toBe('wasm');
        expect(gpu.generations).toHaveLength(2);
        for (const g of gpu.generations) expect(g.token_ids).toHaveLength(RUN.maxNewTokens);
        expect(gpu.generations).toEqual(cpu.generations);
        expect(gpu.predictions.map((p) => p.response)).toEqual(cpu.predictions.map((p) => p.response));
        for (const { errors } of [gpuPage, cpuPage]) expect(errors.filter((e) => !/404 \(Not Found\)/.test(e))).toEqual([]);
      } finally {
        await gpuPage.page.close();
        await cpuPage.page.close();
      }
    },
    600_000,
  );
});
