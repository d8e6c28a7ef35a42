// The measuring kit shared by `npm run bench:perf` and `ipdialog bench`: the benchmark's own
// workload, one measured process per side, agreement of outputs, the decode bound.
export { buildWorkload, normalizeOutput } from './workload';
export type { WorkloadRequest, WorkloadFile } from './workload';
export { runMeasuredProcess } from './measured-process';
export type { MeasuredConfig } from './measured-process';
export { cliEntry, spawnMeasured } from './spawn-measured';
export type { Measured, MeasureOptions, Progress } from './spawn-measured';
export { SweepPace, sweepBatchSizes } from './sweep-pace';
export type { SweepRow } from './sweep-pace';
export type { ImplResult } from './result';
export { compareTokens, scoreOutputs } from './agreement';
export type { TokenAgreement, MetricMeans } from './agreement';
export { weightBytesPerToken } from './weight-bytes';
export { measureReadBandwidth } from './bandwidth';
export { measureScheduleCost } from './schedule-cost';
export type { ScheduleCost } from './schedule-cost';
export { lineChartSvg } from './plot';
export type { Series } from './plot';
