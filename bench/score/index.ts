// Public entry of bench/score/: `ipdialog score` on prediction files and on run folders.
export { rescoreRun, scorePredictionsFile, scoreRun } from './score-run';
export type { RescoreOptions, RescoreResult, ScoreFileOptions, ScoreRunResult } from './score-run';
export { parsePredictions, readPredictions } from './predictions';
export type { Prediction, PredictionFormat, PredictionSet } from './predictions';
export { officialSums, renderScore, SCORE_OUTPUT_FORMATS } from './render';
export type { ScoreOutputFormat } from './render';
