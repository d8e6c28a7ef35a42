// Node-only entry of bench/report/: loads run folders (through bench/runlog) and the paper's
// tables, renders the report and comparison pages, and writes them.
export { renderRunReport, renderComparison, writeRunReport, writeComparison, loadPageAssets } from './render';
export type { RenderOptions } from './render';
export { loadRun } from './load-run';
export { loadReference, readJudgeTable, REFERENCE_FILES } from './reference';
