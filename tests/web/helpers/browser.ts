// Headless Debian Chromium for the e2e tests (never a downloaded browser).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.IPDIALOG_CHROMIUM ?? '/usr/bin/chromium';
/** Locally the browser tests skip without Chromium; in CI (CI=true) they fail instead. */
export const SKIP_WITHOUT_CHROMIUM = !existsSync(CHROMIUM) && process.env.CI !== 'true';

const BASE_ARGS = ['--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-sandbox'];

/**
 * With `webgpu`, --enable-unsafe-webgpu: on a GPU-less Linux Chromium then offers its
 * SwiftShader (software Vulkan) adapter. Without it headless Chromium has no adapter, so the
 * app takes the WASM path on its own.
 */
export function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...(opts.webgpu ? ['--enable-unsafe-webgpu'] : [])],
  });
}

export interface OpenedPage {
  page: Page;
  /** Uncaught page errors and console errors, for assertions and failure messages. */
  errors: string[];
}

export async function openApp(browser: Browser, url: string): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForSelector('#pathway option', { state: 'attached' });
  return { page, errors };
}
