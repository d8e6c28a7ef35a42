// Synthetic-data pipeline (SPEC section 5): pure, browser-safe stages. Model calls come in
// as a GenerateFn and response extraction as an AnswerExtraction; file I/O and resuming
// live in bench/datagen.
export {
  GROUP_KEY_ORDER,
  HEALTH_WEIGHTS,
  NUM_GROUPS_WITHOUT_HEALTH,
  NUM_VALID_GROUPS,
  attributeGroupViolations,
  enumerateAttributeGroups,
  isValidAttributeGroup,
  sampleAttributeGroups,
} from './attribute-groups';
export type { AttributeGroup } from './attribute-groups';
export { createRng, hashSeed, shuffled } from './rng';
export type { Rng } from './rng';
export {
  DATAGEN_TEMPLATES,
  RISK_DETECT_REQUEST,
  TASK_INFO,
  answerPrompt,
  historyConsistencyPrompt,
  historyExamPrompt,
  historyFirstTurnPrompt,
  historyImprovePrompt,
  historyNextTurnPrompt,
  historyTurnPrompt,
  requestsPrompt,
  subjectsPrompt,
  taskDomains,
} from './prompts';
export type { AttributePair, DatagenTemplate, TaskInfo } from './prompts';
export {
  MAX_SUBJECT_LENGTH,
  isPlaceholderRequest,
  parseDialogue,
  parseRequests,
  parseSubjects,
  parseVerdict,
  roundText,
  stripRequestLabel,
} from './parse';
export type { DialogueRound, Parsed } from './parse';
export { checkAnswer, parseAnswerReply, parseRelatedAttributes } from './answer';
export type { AnswerExtraction, GroundTruth, ResponseFields } from './answer';
export {
  AttributeSetSchema,
  HistorySchema,
  QuestionSchema,
  RequestListSchema,
  SubjectListSchema,
  UnitOutcomeSchema,
} from './records';
export type { AttributeSet, History, Question, RequestList, SubjectList, UnitOutcome } from './records';
export { ask, bump, clip, runStage, stageOutputs } from './stage';
export type { GenerationSettings, Reply, RunStageOptions, Stage, StageContext } from './stage';
export { createSubjectsStage, planSubjectUnits } from './stages/subjects';
export type { SubjectUnit } from './stages/subjects';
export { GROUPS_PER_SUBJECT, createRequestsStage, planRequestUnits, planRiskDetect, requestUnitKey } from './stages/requests';
export type { RequestUnit } from './stages/requests';
export { answerUnitKey, createAnswersStage, planAnswerUnits } from './stages/answers';
export type { AnswerUnit } from './stages/answers';
export { attributeSetKey, createHistoriesStage, planAttributeSets } from './stages/histories';
export type { HistoriesStageOptions } from './stages/histories';
export { assembleItems } from './assemble';
export type { AssembleResult } from './assemble';
export {
  DEFAULT_EMBEDDING_THRESHOLD,
  DEFAULT_LEXICAL_THRESHOLD,
  dedupItems,
  dedupText,
  denseCosine,
  normalize,
  removeNearDuplicates,
  sparseCosine,
  tfidfVectors,
} from './dedup';
export type { DedupMethod, DedupResult, DuplicateRecord, EmbedFn, SparseVector } from './dedup';
export { splitTrainTest } from './split';
export type { SplitResult } from './split';
export { emptyStepStats, plainStepStats, summarizeOutcomes } from './stats';
export type { StepStats } from './stats';
export { answerTargetText, sftTarget } from './sft-targets';
