// Public entry of bench/report: the run report and the comparison page.
export { renderRunReport, renderComparison, writeRunReport, writeComparison, loadPageAssets } from './render';
export type { RenderOptions } from './render';
export { loadRun, RUN_FILES } from './load-run';
export { loadReference, REFERENCE_FILES } from './reference';
export { buildReportData, groupByPathway, runLabels, SERIES_COLORS } from './report-data';
export { buildReferenceSeries, resolveReferenceModels, referenceModels, DEFAULT_REFERENCE_MODELS } from './reference-series';
export { summarizePredictions, summarizeJudge, isJudgeFailure } from './summarize';
export type { TaskSummary, PathwaySummary, JudgeSummary } from './summarize';
export { renderPage } from './page';
export type { PageAssets } from './page';
export { escapeHtml, embedJson, inlineScript } from './html';
export { itemKey, JUDGE_NAMES, METRIC_LABELS, PATHWAY_DATASET_IDS } from './names';
export type * from './types';
