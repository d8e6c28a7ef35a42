// Vite config of the browser app (`npm run web`, `npm run web:build`). The app runs the
// engine in a Web Worker on onnxruntime-web. Kept in one file: Vite's coming native config
// loader cannot follow extensionless imports of sibling .ts files.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const ORT_DIST = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs'));
/** What onnxruntime-web's WebGPU build loads at run time: the Emscripten glue and the binary. */
const ORT_RUNTIME_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

/**
 * Cross-origin isolation: without it the page has no SharedArrayBuffer and WASM runs one
 * thread. Every response of the dev and preview servers carries these (worker scripts too).
 */
const ISOLATION_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const TYPES: Record<string, string> = { '.json': 'application/json', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/**
 * Serves the files under `root` at `prefix` as they are: no transform, no SPA fallback (a
 * missing file is a plain 404, which the model loader names), HEAD answered, no "../" escapes.
 */
function serveFolder(prefix: string, root: string) {
  const base = path.resolve(root);
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(prefix)) return next();
    const rel = decodeURIComponent(url.pathname.slice(prefix.length));
    const file = path.resolve(base, rel);
    if (!file.startsWith(`${base}${path.sep}`)) {
      res.statusCode = 403;
      res.end();
      return;
    }
    let size: number | undefined;
    try {
      const st = statSync(file);
      if (st.isFile()) size = st.size;
    } catch {
      // missing: answered below like a folder
    }
    if (size === undefined) {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain');
      res.end(`not found: ${rel}`);
      return;
    }
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Cache-Control', 'no-cache');
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };
}

/**
 * onnxruntime-web's runtime at ./ort/, untouched, in dev, preview and the build: the glue
 * starts its thread workers from its own URL, so it must not be bundled or rewritten.
 */
function ortRuntime(): Plugin {
  return {
    name: 'ipd-ort-runtime',
    configureServer: (server) => void server.middlewares.use(serveFolder('/ort/', ORT_DIST)),
    configurePreviewServer: (server) => void server.middlewares.use(serveFolder('/ort/', ORT_DIST)),
    generateBundle() {
      for (const f of ORT_RUNTIME_FILES) this.emitFile({ type: 'asset', fileName: `ort/${f}`, source: readFileSync(path.join(ORT_DIST, f)) });
    },
  };
}

/**
 * A folder of model folders at /models/ (dev and preview servers only, never built in):
 * IPDIALOG_WEB_MODELS=DIR. Tests serve generated tiny models this way; users can load a
 * local model by URL (/models/NAME/) instead of through the folder picker.
 */
function modelFolders(root: string | undefined): Plugin {
  return {
    name: 'ipd-model-folders',
    configureServer: (server) => void (root && server.middlewares.use(serveFolder('/models/', root))),
    configurePreviewServer: (server) => void (root && server.middlewares.use(serveFolder('/models/', root))),
  };
}

export default defineConfig({
  root: HERE,
  // Relative asset URLs: the build works from any sub-path of a static host.
  base: './',
  publicDir: false,
  resolve: {
    alias: [
      // The "extern wasm" build of onnxruntime-web loads its glue from env.wasm.wasmPaths (./ort/)
      // instead of embedding it in a bundle chunk that its thread workers could not start from.
      { find: /^onnxruntime-web\/webgpu$/, replacement: path.join(ORT_DIST, 'ort.webgpu.min.mjs') },
    ],
  },
  server: { headers: ISOLATION_HEADERS, fs: { allow: [REPO] } },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
  optimizeDeps: {
    // Pre-bundle what the worker imports up front: discovering it mid-run would reload the page.
    entries: ['index.html', 'src/engine/worker.ts'],
    include: ['@huggingface/transformers', 'onnx-proto', 'zod', 'chart.js'],
  },
  build: {
    // Outside web/ (a source folder): build output never mixes with source.
    outDir: path.join(REPO, 'dist', 'web'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    // The worker chunk's slow transform (transformers.js) is expected; no timing report per build.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  plugins: [ortRuntime(), modelFolders(process.env.IPDIALOG_WEB_MODELS)],
});
