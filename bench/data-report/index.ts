// Public entry of bench/data-report: the data quality report (ipdialog data-report).
export { words, ngramCounts, ngramKeys } from './tokens';
export { distinctCounts, distinctN, windowDiversity } from './lexical';
export type { DistinctCount, WindowDiversity } from './lexical';
export { sentenceBleu, selfBleu, BLEU_EPSILON, BLEU_MAX_ORDER } from './self-bleu';
export { describe as describeDistribution, quantile, shares, totalVariation } from './distribution';
export type { Distribution } from './distribution';
export { attributeFigures, expectedAttributeShares, noiseTvd, taskFigures } from './coverage';
export type { AttributeCoverage, AttributeFigures, TaskFigures } from './coverage';
export { nearDuplicateFigures, similarPairs } from './near-duplicates';
export type { NearDuplicateFigures, NearDuplicatePair } from './near-duplicates';
export { pipelineFigures } from './pipeline-stats';
export type { PipelineFigures, StepFigures } from './pipeline-stats';
export { DEFAULT_QUALITY_SETTINGS, TEXT_FIELDS, computeQuality, fieldDiversity, fieldTexts } from './quality';
export type { FieldDiversity, LengthFigures, QualityFigures, QualitySettings, TextField } from './quality';
export {
  DIVERSITY_TOLERANCE,
  DUPLICATE_SHARE_LIMIT,
  LENGTH_TOLERANCE,
  SKEW_MARGIN,
  SKEW_NOISE_FACTOR,
  SKEW_TVD_LIMIT,
  compareFigures,
  findFlags,
} from './compare';
export type { ComparisonRow, Flag, FlagCode } from './compare';
export { QUALITY_REPORT_VERSION, buildQualityReport } from './report';
export type { BuildReportOptions, DataSetInput, QualityReport } from './report';
export { buildCharts, histogram } from './charts';
export type { ChartSpec } from './charts';
export { renderDataReportPage } from './page';
export { formatQualitySummary } from './summary';
export { OFFICIAL_REFERENCE, QUALITY_FILES, createDataReport, loadDataReportAssets, writeDataReport } from './write';
export type { DataReportConfig } from './write';
