/**
 * The run folder (`ipdialog run --out DIR`, the browser app's downloads), one file each:
 *   run.json           RunRecord: settings, judge, environment, status, token stats
 *   predictions.jsonl  PredictionRecord per finished (pathway, item), appended durably
 *   judge.jsonl        JudgeRecord per judged (pathway, item), appended durably
 *   metrics.json       MetricsRecord: reduce() of the two logs, rewritten as they grow
 *   report.html        the self-contained report
 * run.json's `version` is the format of all of them; migrate() reads older ones.
 */
export const RUN_FILES = {
  run: 'run.json',
  predictions: 'predictions.jsonl',
  judge: 'judge.jsonl',
  metrics: 'metrics.json',
  report: 'report.html',
} as const;

export type RunFileName = keyof typeof RUN_FILES;
