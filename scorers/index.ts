// Browser-safe public entry of scorers/: response extraction, the paper's four metrics,
// METEOR (data injected through MeteorResources), aggregation and the judge's pure parts.
// Loading the METEOR data from node_modules lives in ./node.ts.
export { extractResponse } from './extract';
export type { Extraction, ExtractRule } from './extract';
export { parseAnswer, parseOptions, parseYesNo, parseNumberedItems } from './answers';
export type { ParsedAnswer } from './answers';
export { parseAttributes, attributeScores, setF1 } from './attributes';
export type { AttributeScores, SetScores } from './attributes';
export { kendallTauB, rankAccuracy } from './kendall';
export { createItemScorer } from './item';
export { PARSE_STATUSES, RESPONSE_PARTS, parseStatusOf } from './item';
export type { ItemScore, ItemScorer, ItemScorerOptions, ItemMetrics, ParseStatus, ResponsePart } from './item';
export { aggregateItem, aggregateScores, officialMetrics, pearson, METRIC_KEYS } from './aggregate';
export type { AggregateItem, ParseCounts, RunAggregate, TaskAggregate, MetricKey, MetricValues } from './aggregate';
export { buildJudgePrompt, isJudgeFailure, parseJudgeOutput, selectJudgeItems, summarizeJudge, JUDGE_CRITERIA, JUDGE_MAX, JUDGE_OUTCOMES, JUDGE_SCORE_NAMES } from './judge';
export type { JudgeVerdict, JudgeStatus, JudgeOutcome, JudgeCriterion, JudgeScoreName, JudgedItem, JudgeGroupSummary, JudgeSummary } from './judge';
export { pyRound } from './python-compat';
export {
  createMeteor,
  meteorScore,
  NLTK_METEOR_PARAMS,
  porterStem,
  createPunktModel,
  createEnglishPunktModel,
  createWordTokenizer,
  createWordNetFromFiles,
  wordNetFileNames,
  readTar,
  morphy,
  synsetLemmaNames,
} from './meteor';
export type { MeteorResources, MeteorResult, TextMetric, PunktModel, PunktPack, WordNet, WordNetPos, WordNetFiles, MeteorParams } from './meteor';
