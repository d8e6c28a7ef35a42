// The data-generation runner (ipdialog datagen) and its parts.
export { DATAGEN_STEPS, runDatagen } from './run';
export type { DatagenConfig, DatagenStats, DatagenStep } from './run';
export type { DatagenSpec } from './files';
export { loadEmbedder } from './embed';
export { SCORER_EXTRACTION } from './extraction';
