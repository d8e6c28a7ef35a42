// Browser-safe public entry of bench/runlog/, the results contract: the run-folder layout, the
// record schemas, validation, migrate() of older formats, item identity, building records,
// reduce(), the one reduction of records to metrics (with bootstrap intervals), and the paired
// comparison of two runs. Reading and writing files: ./node.ts.
export { RUN_FILES } from './layout';
export type { RunFileName } from './layout';
export * from './schema';
export { checkUniqueItems, itemId, recordKey } from './item-id';
export { migrate } from './migrate';
export type { RawLine, RawRunLog, RunLog } from './migrate';
export { parseJson, parseRecord } from './validate';
export type { Where } from './validate';
export { predictionRecord, runStats, scoreFields } from './records';
export type { ScoreFields } from './records';
export { latestPerItem, reduce } from './reduce';
export type { ReduceInput, ReducibleJudgeRecord, ReducibleRecord } from './reduce';
export { pathwayTemplateHash, sha256Base64, sha256Hex } from './hash';
export { latencyPercentiles, runEndpointRecords, sessionEndpointRecords } from './endpoints';
export { BOOTSTRAP, bootstrapIntervals, bootstrapReplicates, percentileInterval } from './bootstrap';
export type { BootstrapGroup, BootstrapOptions, BootstrapReplicates, Interval } from './bootstrap';
export { compareRecords, COMPARED_METRICS } from './paired';
export type { ComparedMetric, ComparedRecords, Difference, RunComparison } from './paired';
