// Public entry of bench/agreement/: `ipdialog judge-agreement`, a local judge measured against
// the paper's GPT-4o-Score on the published direct-response outputs. Node-only (it judges and
// writes files); the statistics are pure (./statistics.ts).
export { runJudgeAgreement } from './judge-agreement';
export type { AgreementOptions, AgreementReport, ModelOutcome } from './judge-agreement';
export { averageRanks, scoreAgreement, spearman } from './statistics';
export type { AgreementCell, ScoreAgreement } from './statistics';
export { DIRECT_RESPONSE_DATASET, OFFICIAL_JUDGE_TABLE, PUBLISHED_OUTPUTS, resolveOutputs } from './published';
export { renderAgreementPage, scatterSpecs } from './page';
