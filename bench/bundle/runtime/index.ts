// What runs on the lent machine, bundled into unpack.mjs and gpu-bench.mjs (see the *-main.ts
// entries); exported here for tests.
export { readArArchive } from './ar';
export { unpackDeb, unpackXzFile } from './unpack';
export { compareTokenRuns } from './tokens';
export type { GenerateLine, TokenComparison } from './tokens';
export { runStatus, renderTable } from './report';
export type { GpuBenchReport, StepRecord, ModelReport } from './report';
export { documentedBandwidthGbs } from './documented-bandwidth';
