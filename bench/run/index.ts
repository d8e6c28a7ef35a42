export { runBenchmark } from './run-benchmark';
export type { RunOptions, RunSummary } from './run-benchmark';
export { judgeRun } from './judge';
export type { JudgeOptions, JudgeSample, JudgeSummary } from './judge';
export { computeMetrics } from './metrics';
export { DEFAULT_MAX_NEW_TOKENS, JUDGE_MAX_NEW_TOKENS } from './defaults';
export { runFiles } from './files';
export { runEndpointRecords, sessionEndpointRecords } from './endpoint-records';
