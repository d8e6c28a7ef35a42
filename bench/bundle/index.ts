// The GPU device bundle: `npm run bundle:gpu -- --out DIR` builds it (build.ts); DIR/run.sh runs
// it on the lent machine (run.sh, with runtime/ bundled into it).
export { buildGpuBundle, formatSizes } from './build';
export type { GpuBundleOptions } from './build';
export { GPU_BUNDLE_MAX_BYTES, GPU_BENCH_PRESETS, DEB_SETS } from './layout';
export type { GpuBundleManifest, PayloadFile } from './layout';
