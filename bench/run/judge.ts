import { rm } from 'node:fs/promises';
import { IpdError, type TextGenerator } from '../../common';
import type { DialogItem, Task } from '../../pathways';
import { readDataset } from '../../pathways/node';
import { buildJudgePrompt, parseJudgeOutput, selectJudgeItems } from '../../scorers';
import { JsonlAppender, readJsonl } from '../jsonl-log';
import { Progress } from '../progress';
import { writeRunReport } from '../report';
import { RunRecordSchema, type JudgeRecord, type PredictionRecord } from '../runlog/schema';
import { JUDGE_MAX_NEW_TOKENS } from './defaults';
import { readJsonFile, runFiles, writeJsonAtomic } from './files';
import { computeMetrics } from './metrics';

export type JudgeSample = 'every-10th' | 'all';

export interface JudgeOptions {
  dir: string;
  sample: JudgeSample;
  openGenerator: () => Promise<TextGenerator>;
  /** Judge model id as recorded; a different one than judge.jsonl holds starts the judging over. */
  judgeModel: string;
  force?: boolean;
  quiet?: boolean;
}

export interface JudgeSummary {
  judged: number;
  resumed: number;
  failures: number;
}

/**
 * The paper's GPT-4o-Score with a local model: judges every 10th item of each pathway (or
 * all), writes DIR/judge.jsonl durably (a rerun resumes), and adds per-task means and the
 * failures to metrics.json. Unparseable verdicts are recorded and counted, never dropped.
 */
export async function judgeRun(opts: JudgeOptions): Promise<JudgeSummary> {
  const files = runFiles(opts.dir);
  const run = await readJsonFile(files.run, RunRecordSchema);
  if (!run) throw new IpdError('RUN_INVALID', `${opts.dir} has no run.json`, { file: opts.dir, hint: 'judge a directory written by ipdialog run' });
  const predictions = readJsonl<PredictionRecord>(files.predictions).records;
  const data = await readDataset(run.spec.data_file, { perTask: run.spec.per_task ?? undefined });
  const byLine = new Map(data.items.map((l) => [l.source.line, l.item]));

  let prior = readJsonl<JudgeRecord>(files.judge).records;
  if (opts.force || prior.some((r) => r.judge_model !== opts.judgeModel)) {
    await rm(files.judge, { force: true });
    prior = [];
  }
  const done = new Set(prior.map((r) => `${r.pathway}\u0000${r.line}`));
  const selected = run.spec.pathways.flatMap((pathway) =>
    selectJudgeItems(
      predictions.filter((p) => p.pathway === pathway).sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
      opts.sample === 'all' ? 'all' : 'paper',
    ),
  );
  const todo = selected.filter((p) => !done.has(`${p.pathway}\u0000${p.line}`));
  const generator = await opts.openGenerator();
  const appender = new JsonlAppender(files.judge);
  const records = [...prior];
  const progress = new Progress({ label: 'judge', total: selected.length, done: selected.length - todo.length });
  try {
    await Promise.all(
      todo.map(async (p) => {
        const item: DialogItem | undefined = byLine.get(p.line ?? -1);
        if (!item) throw new IpdError('RUN_INVALID', `prediction for line ${p.line} of ${run.spec.data_file} has no dataset item`, { file: files.predictions });
        const prompt = buildJudgePrompt(item, p.response);
        const r = await generator.generate({ messages: [{ role: 'user', content: prompt }], maxNewTokens: JUDGE_MAX_NEW_TOKENS, temperature: 0 });
        const verdict = parseJudgeOutput(r.text);
        const rec: JudgeRecord = {
          index: p.index,
          line: p.line,
          judge_model: opts.judgeModel,
          task: p.task as Task,
          pathway: p.pathway,
          prompt,
          output: r.text,
          scores: verdict.scores,
          status: r.error ? 'error' : verdict.status,
          problems: r.error ? [r.error, ...verdict.problems] : verdict.problems,
        };
        appender.append(rec);
        records.push(rec);
        if (!opts.quiet) progress.tick(r.completionTokens);
      }),
    );
  } finally {
    appender.close();
    if (!opts.quiet) progress.finish();
    await generator.dispose();
  }
  writeJsonAtomic(files.metrics, computeMetrics(predictions, records));
  writeJsonAtomic(files.run, { ...run, spec: { ...run.spec, judge: { model: opts.judgeModel, sample: opts.sample } } });
  await writeRunReport(opts.dir);
  const failures = records.filter((r) => !(r.status === 'ok' || r.status === 'partial')).length;
  return { judged: todo.length, resumed: selected.length - todo.length, failures };
}
