// Public entry of bench/run/: `ipdialog run` (generate, score, report) and `ipdialog judge`.
// Run folders are read and written through bench/runlog.
export { runBenchmark } from './run-benchmark';
export type { RunOptions, RunSummary } from './run-benchmark';
export { judgeResponse, judgeRun } from './judge';
export type { JudgeOptions, JudgeSummary } from './judge';
export { DEFAULT_MAX_NEW_TOKENS, JUDGE_MAX_NEW_TOKENS } from './defaults';
export { commandLine, modelProvenance } from './provenance';
export type { ModelProvenance } from './provenance';
