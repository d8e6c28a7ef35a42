// The app's own Vite server (dev) or a preview of its production build, for the e2e tests.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const WEB_CONFIG = path.join(REPO_ROOT, 'web/vite.config.ts');

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** web/vite.config.ts reads the folder of model folders to serve at /models/ from the environment. */
function serveModels(modelsDir: string | undefined): void {
  if (modelsDir) process.env.IPDIALOG_WEB_MODELS = modelsDir;
  else delete process.env.IPDIALOG_WEB_MODELS;
}

function urlOf(server: ViteDevServer | PreviewServer): string {
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the Vite server has no local URL');
  return url;
}

/**
 * A dev server with its own dependency-optimizer cache: test files run in parallel, and two
 * servers optimizing into the shared node_modules/.vite at once could swap files under each other.
 */
export async function startDevServer(modelsDir?: string): Promise<RunningServer> {
  serveModels(modelsDir);
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ipd-vite-cache-'));
  const server = await createServer({ configFile: WEB_CONFIG, cacheDir, logLevel: 'warn', server: { host: '127.0.0.1', port: 0 } });
  await server.listen();
  return {
    url: urlOf(server),
    close: async () => {
      await server.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Builds the app into `outDir` (vite build, the same as `npm run web:build`). */
export async function buildApp(outDir: string): Promise<void> {
  await build({ configFile: WEB_CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

export async function startPreviewServer(outDir: string, modelsDir?: string): Promise<RunningServer> {
  serveModels(modelsDir);
  const server = await preview({ configFile: WEB_CONFIG, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
  return { url: urlOf(server), close: () => server.close() };
}
