// Browser-safe public entry of pathways/: dataset schema and parsing, the five pathways,
// protocol tables. File access lives in ./node.ts.
export { TASKS, ATTRIBUTE_DICT, ATTRIBUTE_KEYS, ANSWER_KIND, isTask } from './attributes';
export type { Task, AnswerKind } from './attributes';
export { DialogItemSchema, UserAttrGroupSchema, RelatedAttributesSchema } from './schema';
export type { DialogItem, DialogMessage } from './schema';
export { parseDataset, selectPerTask, formatProblems, taskOrder, zodProblems } from './dataset';
export type { LoadedItem, SourceRef, ParsedDataset, LineProblem, ParseDatasetOptions } from './dataset';
export { PATHWAYS, PATHWAY_IDS, TABLES, getPathway, resolvePathways, promptFields } from './pathways';
export type { Pathway, PathwayId, AttributeField } from './pathways';
export { pythonFormat, templateFields } from './python-format';
export { historyText } from './history';
export { OFFICIAL_TEST_SET } from './official-data';
export { default as PROTOCOL } from './protocol/protocol.json';
export * from './datagen';
