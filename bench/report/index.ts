// Browser-safe public entry of bench/report/: the report's data (from bench/runlog's records
// and reduce()) and its one-file HTML page. Reading run folders and writing pages: ./node.ts.
export { buildReportData, runLabels, SERIES_COLORS } from './report-data';
export { buildReferenceSeries, resolveReferenceModels, referenceModels, DEFAULT_REFERENCE_MODELS } from './reference-series';
export { renderPage } from './page';
export type { PageAssets } from './page';
export { escapeHtml, embedJson, inlineScript, pageHead } from './html';
export { packData, unpackData, unpackPageData } from './embed';
export { gtRecord, groundTruth } from './ground-truth';
export { JUDGE_NAMES, METRIC_LABELS, PATHWAY_DATASET_IDS } from './names';
export type * from './types';
