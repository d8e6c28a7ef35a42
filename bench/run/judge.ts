import { rm } from 'node:fs/promises';
import { IpdError, type EndpointStats, type TextGenerator } from '../../common';
import type { DialogItem } from '../../pathways';
import { readDataset } from '../../pathways/node';
import { buildJudgePrompt, isJudgeFailure, parseJudgeOutput, selectJudgeItems } from '../../scorers';
import { Progress } from '../progress';
import { writeRunReport } from '../report/node';
import { itemId, recordKey, reduce, runEndpointRecords, sessionEndpointRecords, type EndpointStatsRecord, type JudgeRecord, type JudgeSample } from '../runlog';
import { openLog, openRunForUpdate, runPaths, writeMetrics, writeRunRecord } from '../runlog/node';
import { JUDGE_MAX_NEW_TOKENS } from './defaults';
import { modelProvenance } from './provenance';

/**
 * One judged response: the judge prompt for the item and the response, the judge's reply
 * (greedy), its parse, as the JudgeRecord both `judge` and `judge-agreement` write. A failed
 * generation is recorded as `error`, not thrown.
 */
export async function judgeResponse(
  generator: TextGenerator,
  judgeModel: string,
  item: DialogItem,
  p: Pick<JudgeRecord, 'index' | 'line' | 'task' | 'pathway'> & { response: string },
): Promise<{ record: JudgeRecord; completionTokens: number }> {
  const prompt = buildJudgePrompt(item, p.response);
  const r = await generator.generate({ messages: [{ role: 'user', content: prompt }], maxNewTokens: JUDGE_MAX_NEW_TOKENS, temperature: 0 });
  const verdict = parseJudgeOutput(r.text);
  const record: JudgeRecord = {
    index: p.index,
    ...(p.line !== undefined && { line: p.line }),
    judge_model: judgeModel,
    task: p.task,
    pathway: p.pathway,
    prompt,
    output: r.text,
    scores: verdict.scores,
    status: r.error ? 'error' : verdict.status,
    problems: r.error ? [r.error, ...verdict.problems] : verdict.problems,
    completion_tokens: r.completionTokens,
    latency_ms: r.latencyMs,
    ...(r.endpoint !== undefined && { endpoint: r.endpoint }),
  };
  return { record, completionTokens: r.completionTokens };
}

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
  /** Remote backends: what each judge server did in this process (run.json's endpoints are the run's generators). */
  endpoints: EndpointStatsRecord[];
}

/**
 * The paper's GPT-4o-Score with a local model: judges every 10th item of each pathway (or
 * all), writes DIR/judge.jsonl durably (a rerun resumes), and adds per-task means and the
 * failures to metrics.json. Unparseable verdicts are recorded and counted, never dropped.
 */
export async function judgeRun(opts: JudgeOptions): Promise<JudgeSummary> {
  const log = await openRunForUpdate(opts.dir);
  if (!log) throw new IpdError('RUN_INVALID', `${opts.dir} has no run.json`, { file: opts.dir, hint: 'judge a directory written by ipdialog run' });
  const { run, predictions } = log;
  const data = await readDataset(run.spec.data_file, { perTask: run.spec.per_task ?? undefined });
  const byId = new Map(data.items.map((l) => [itemId(l.item), l.item]));

  let prior = log.judge;
  if (opts.force || prior.some((r) => r.judge_model !== opts.judgeModel)) {
    await rm(runPaths(opts.dir).judge, { force: true });
    prior = [];
  }
  const done = new Set(prior.map((r) => recordKey(r)));
  // The paper's every 10th item counts items in data-file order, per pathway.
  const selected = run.spec.pathways.flatMap((pathway) =>
    selectJudgeItems(
      predictions.filter((p) => p.pathway === pathway).sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
      opts.sample === 'all' ? 'all' : 'paper',
    ),
  );
  const todo = selected.filter((p) => !done.has(recordKey(p)));
  for (const p of todo) {
    if (!byId.has(itemId(p))) {
      throw new IpdError('RUN_INVALID', `the prediction for item ${itemId(p)} has no item in ${run.spec.data_file}`, { file: runPaths(opts.dir).predictions, hint: 'judge against the data file the run used' });
    }
  }
  const generator = await opts.openGenerator();
  const judgeProvenance = await modelProvenance(generator);
  const appender = openLog(opts.dir, 'judge');
  const records = [...prior];
  let session: EndpointStats[] | undefined;
  const progress = new Progress({ label: 'judge', total: selected.length, done: selected.length - todo.length });
  try {
    await Promise.all(
      todo.map(async (p) => {
        const { record: rec, completionTokens } = await judgeResponse(generator, opts.judgeModel, byId.get(itemId(p))!, p);
        appender.append(rec);
        records.push(rec);
        if (!opts.quiet) progress.tick(completionTokens);
      }),
    );
  } finally {
    appender.close();
    if (!opts.quiet) progress.finish();
    session = generator.endpointStats?.();
    await generator.dispose();
  }
  writeMetrics(opts.dir, reduce({ predictions, judge: records, pathways: run.spec.pathways }));
  // Judge servers over all sessions of this judging (figures of replies from the records, as
  // for the generations); judging over again starts them over with judge.jsonl.
  const previous = prior.length > 0 ? run.judge?.endpoints : undefined;
  const judgeEndpoints = session ? runEndpointRecords(previous, session, judgedByEndpoint(records)) : previous;
  writeRunRecord(opts.dir, {
    ...run,
    judge: { model: opts.judgeModel, sample: opts.sample, ...(judgeProvenance.revision && { revision: judgeProvenance.revision }), ...(judgeEndpoints && { endpoints: judgeEndpoints }) },
  });
  await writeRunReport(opts.dir);
  return { judged: todo.length, resumed: selected.length - todo.length, failures: records.filter((r) => isJudgeFailure(r.status)).length, endpoints: sessionEndpointRecords(session ?? []) };
}

/** Judge replies as runEndpointRecords counts them: those that name their server. */
function judgedByEndpoint(records: readonly JudgeRecord[]): Array<{ endpoint: string; completion_tokens: number; latency_ms: number }> {
  return records.flatMap((r) => (r.endpoint !== undefined ? [{ endpoint: r.endpoint, completion_tokens: r.completion_tokens ?? 0, latency_ms: r.latency_ms ?? 0 }] : []));
}
