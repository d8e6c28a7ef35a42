// `ipdialog bench`: exactness and speed of our engine against transformers.js on the user's
// own model, device and the benchmark's workload; the report, its schema and its renderings.
export { runBench } from './run-bench';
export type { BenchOptions, BenchDevice } from './run-bench';
export { BENCH_REPORT_FORMAT, BenchReportSchema, parseBenchReport } from './schema';
export type { BenchReport, BenchSide, BenchRequest } from './schema';
export { renderBenchText, renderBenchMarkdown } from './render';
export { deviceProbeChild, probeDevice } from './device-probe';
export type { AdapterProbe, ProbedDevice } from './device-probe';
export { machineInfo, queryNvidiaSmi } from './machine';
export type { MachineInfo, NvidiaSmi } from './machine';
export { PERTURB_ENV } from './perturb';
