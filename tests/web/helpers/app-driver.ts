// Drives the app's page the way a user does: model, data, settings, run, downloads.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';

export type PageState = 'idle' | 'loading' | 'ready' | 'running' | 'done' | 'error';

export async function waitForState(page: Page, states: PageState[], timeout: number): Promise<PageState> {
  await page.waitForFunction((s: string[]) => s.includes(document.body.dataset.state ?? ''), states as string[], { timeout, polling: 250 });
  return (await page.evaluate(() => document.body.dataset.state)) as PageState;
}

/** The error box as the user reads it (empty when hidden). */
export async function errorText(page: Page): Promise<string> {
  return (await page.locator('#error').isVisible()) ? ((await page.locator('#error').textContent()) ?? '') : '';
}

export async function loadModelUrl(page: Page, url: string, device: 'auto' | 'webgpu' | 'wasm', timeout = 120_000): Promise<PageState> {
  await page.check('input[name="model-source"][value="url"]');
  await page.fill('#model-url', url);
  await page.selectOption('#device', device);
  await page.click('#load-url');
  return waitForState(page, ['ready', 'error'], timeout);
}

/** The directory picker (an <input webkitdirectory>): loading starts when the folder is picked. */
export async function loadModelFolder(page: Page, dir: string, device: 'auto' | 'webgpu' | 'wasm', timeout = 120_000): Promise<PageState> {
  await page.check('input[name="model-source"][value="folder"]');
  await page.selectOption('#device', device);
  await page.setInputFiles('#model-dir', dir);
  return waitForState(page, ['ready', 'error'], timeout);
}

export interface RunOptions {
  dataFile: string;
  pathway: string;
  perTask: number;
  maxNewTokens: number;
  /** Only these tasks (default: all). */
  tasks?: string[];
  timeout: number;
}

export async function runBenchmark(page: Page, opts: RunOptions): Promise<PageState> {
  await page.setInputFiles('#data-file', opts.dataFile);
  await page.waitForFunction(() => /items in/.test(document.querySelector('#data-status')?.textContent ?? ''), undefined, { timeout: 30_000 });
  await page.selectOption('#pathway', opts.pathway);
  await page.fill('#per-task', String(opts.perTask));
  await page.fill('#max-new-tokens', String(opts.maxNewTokens));
  if (opts.tasks) {
    for (const box of await page.locator('#tasks input').all()) {
      if (opts.tasks.includes((await box.getAttribute('value')) ?? '')) await box.check();
      else await box.uncheck();
    }
  }
  await page.click('#run');
  return waitForState(page, ['done', 'error'], opts.timeout);
}

/** Clicks a download button and returns the file's text. */
export async function download(page: Page, buttonId: string): Promise<{ name: string; text: string }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`#${buttonId}`)]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), text: await readFile(file, 'utf8') };
}

export const jsonl = <T = Record<string, unknown>>(text: string): T[] =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
