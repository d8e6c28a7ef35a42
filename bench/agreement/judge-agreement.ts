// `ipdialog judge-agreement`: a local judge scores the paper's published direct-response outputs
// and is compared with the official GPT-4o-Score per model and task. Judging is resumable: each
// model's verdicts are appended durably to OUT/judge/<model>.jsonl.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { IpdError, type TextGenerator } from '../../common';
import { taskOrder } from '../../pathways';
import { readDataset } from '../../pathways/node';
import { isJudgeFailure, JUDGE_SCORE_NAMES, selectJudgeItems, summarizeJudge, type JudgeOutcome, type JudgeScoreName } from '../../scorers';
import { writeJsonAtomic } from '../atomic-write';
import { JsonlAppender, readJsonl } from '../jsonl-log';
import { Progress } from '../progress';
import { readJudgeTable } from '../report/node';
import { judgeResponse, modelProvenance } from '../run';
import { checkUniqueItems, itemId, JudgeRecordSchema, parseRecord, type JudgeRecord, type JudgeSample } from '../runlog';
import { fileSha256 } from '../runlog/node';
import { readPredictions, type Prediction } from '../score';
import { writeAgreementPage } from './page';
import { DIRECT_RESPONSE_DATASET, PUBLISHED_OUTPUTS, resolveJudgeTable, resolveOutputs } from './published';
import { scoreAgreement, type AgreementCell, type ScoreAgreement } from './statistics';

export interface AgreementOptions {
  out: string;
  /** Judge model id as recorded; verdicts of another judge in OUT are started over. */
  judgeModel: string;
  openGenerator: () => Promise<TextGenerator>;
  dataFile: string;
  /** Folder of `<model>.jsonl` outputs; default: the published ones (downloaded once). */
  outputsDir?: string;
  /** Folder holding gpt4o_eval_new.json; default: the published table (downloaded once). */
  referenceDir?: string;
  sample: JudgeSample;
  /** At most this many judged items per task and model (a quick look; the paper's cells have 10). */
  perTask?: number;
  /** Only these models. */
  models?: readonly string[];
  force?: boolean;
  commandLine?: string;
  quiet?: boolean;
}

export interface ModelOutcome {
  model: string;
  label: string;
  file: string;
  sha256: string;
  judged: number;
  /** Replies without a usable total (scorers/judge.ts isJudgeFailure): counted, never averaged. */
  failures: number;
  failureRate: number;
  failuresByOutcome: Partial<Record<JudgeOutcome, number>>;
}

export interface AgreementReport {
  version: 1;
  generatedAt: string;
  judge: { model: string; revision?: string };
  sample: JudgeSample;
  perTask: number | null;
  data: { file: string; sha256: string };
  reference: { file: string; sha256: string; dataset: string };
  commandLine?: string;
  models: ModelOutcome[];
  /** Failures over all judged replies. */
  parseFailureRate: number;
  cells: Array<AgreementCell & { judged: number; failures: number }>;
  /** Per sub-score (Conciseness ... Total). */
  scores: Record<JudgeScoreName, ScoreAgreement>;
  notes: string[];
}

export async function runJudgeAgreement(opts: AgreementOptions): Promise<AgreementReport> {
  const data = await readDataset(opts.dataFile);
  checkUniqueItems(data.items);
  const items = data.items.map((e) => e.item);
  const dataLine = new Map(data.items.map((e) => [itemId(e.item), e.source.line]));
  const tableFile = await resolveJudgeTable(opts.referenceDir);
  const official = (await readJudgeTable(tableFile))[DIRECT_RESPONSE_DATASET];
  if (!official) throw new IpdError('INPUT_INVALID', `${tableFile} has no ${DIRECT_RESPONSE_DATASET} (direct-response) table`, { file: tableFile, field: DIRECT_RESPONSE_DATASET });
  let outputs = await resolveOutputs(opts.outputsDir, Object.keys(official));
  if (opts.models) {
    const missing = opts.models.filter((m) => !outputs.some((o) => o.model === m));
    if (missing.length > 0) throw new IpdError('USAGE', `no outputs for ${missing.join(', ')}`, { hint: `the outputs at hand: ${outputs.map((o) => o.model).join(', ')}` });
    outputs = outputs.filter((o) => opts.models!.includes(o.model));
  }

  // Everything to judge, per model; then the judge is opened once, only if anything is left.
  const plans = await Promise.all(
    outputs.map(async (o) => {
      const set = await readPredictions(o.file, items, 'direct-response');
      const selected = limitPerTask(selectJudgeItems(set.predictions, opts.sample === 'all' ? 'all' : 'paper'), opts.perTask);
      const logFile = path.join(opts.out, 'judge', `${o.model}.jsonl`);
      const prior = await priorVerdicts(logFile, opts.judgeModel, opts.force);
      const done = new Set(prior.map((r) => itemId(r)));
      return { ...o, selected, logFile, prior, todo: selected.filter((p) => !done.has(itemId(p.item))) };
    }),
  );
  const numTodo = plans.reduce((a, p) => a + p.todo.length, 0);
  let revision: string | undefined;
  if (numTodo > 0) {
    const generator = await opts.openGenerator();
    try {
      revision = (await modelProvenance(generator)).revision;
      const numSelected = plans.reduce((a, p) => a + p.selected.length, 0);
      const progress = new Progress({ label: 'judge-agreement', total: numSelected, done: numSelected - numTodo });
      for (const plan of plans) plan.prior.push(...(await judgeAll(generator, opts.judgeModel, plan.logFile, plan.todo, dataLine, opts.quiet ? undefined : progress)));
      if (!opts.quiet) progress.finish();
    } finally {
      await generator.dispose();
    }
  }

  const notes: string[] = [];
  const cells: AgreementReport['cells'] = [];
  const models: ModelOutcome[] = [];
  for (const plan of plans) {
    const wanted = new Set(plan.selected.map((p) => itemId(p.item)));
    const records = plan.prior.filter((r) => wanted.has(itemId(r)));
    const summary = summarizeJudge(records);
    for (const t of summary.tasks) {
      const ref = official[plan.model]?.[t.task];
      if (!ref) {
        notes.push(`${plan.model}: the official table has no ${t.task} cell; left out`);
        continue;
      }
      cells.push({ model: plan.model, task: t.task, official: ref, local: t.means, judged: t.numJudged, failures: t.numFailed });
    }
    const failures = records.filter((r) => isJudgeFailure(r.status)).length;
    models.push({
      model: plan.model,
      label: PUBLISHED_OUTPUTS[plan.model]?.label ?? plan.model,
      file: plan.file,
      sha256: await fileSha256(plan.file),
      judged: records.length,
      failures,
      failureRate: records.length > 0 ? failures / records.length : 0,
      failuresByOutcome: summary.overall.failures,
    });
  }
  cells.sort((a, b) => a.model.localeCompare(b.model) || taskOrder(a.task) - taskOrder(b.task));
  const judged = models.reduce((a, m) => a + m.judged, 0);
  if (opts.perTask !== undefined) notes.push(`at most ${opts.perTask} judged item(s) per task and model (the official cells average 10): a quick look, not a measurement`);
  const report: AgreementReport = {
    version: 1,
    generatedAt: new Date().toISOString(),
    judge: { model: opts.judgeModel, ...(revision && { revision }) },
    sample: opts.sample,
    perTask: opts.perTask ?? null,
    data: { file: path.resolve(opts.dataFile), sha256: await fileSha256(opts.dataFile) },
    reference: { file: path.resolve(tableFile), sha256: await fileSha256(tableFile), dataset: DIRECT_RESPONSE_DATASET },
    ...(opts.commandLine && { commandLine: opts.commandLine }),
    models,
    parseFailureRate: judged > 0 ? models.reduce((a, m) => a + m.failures, 0) / judged : 0,
    cells,
    scores: Object.fromEntries(JUDGE_SCORE_NAMES.map((s) => [s, scoreAgreement(cells, s)])) as AgreementReport['scores'],
    notes,
  };
  // JSON has no NaN; the statistics use null for "undefined".
  writeJsonAtomic(path.join(opts.out, 'agreement.json'), report);
  await writeAgreementPage(path.join(opts.out, 'agreement.html'), report);
  return report;
}

/** The first `perTask` of each task, in the order given. */
function limitPerTask(list: Prediction[], perTask: number | undefined): Prediction[] {
  if (perTask === undefined) return list;
  const seen = new Map<string, number>();
  return list.filter((p) => {
    const n = (seen.get(p.item.task) ?? 0) + 1;
    seen.set(p.item.task, n);
    return n <= perTask;
  });
}

/** The verdicts already in a model's log (validated); another judge's, or --force, start it over. */
async function priorVerdicts(file: string, judgeModel: string, force?: boolean): Promise<JudgeRecord[]> {
  const { records, lines } = readJsonl(file);
  const prior = records.map((r, i) => parseRecord(JudgeRecordSchema, r, { file, line: lines[i] }));
  if (force || prior.some((r) => r.judge_model !== judgeModel)) {
    await rm(file, { force: true });
    return [];
  }
  return prior;
}

async function judgeAll(
  generator: TextGenerator,
  judgeModel: string,
  logFile: string,
  todo: readonly Prediction[],
  dataLine: ReadonlyMap<string, number>,
  progress?: Progress,
): Promise<JudgeRecord[]> {
  if (todo.length === 0) return [];
  const appender = new JsonlAppender(logFile);
  const out: JudgeRecord[] = [];
  try {
    await Promise.all(
      todo.map(async (p) => {
        const { record, completionTokens } = await judgeResponse(generator, judgeModel, p.item, {
          index: p.item.index,
          line: dataLine.get(itemId(p.item)),
          task: p.item.task,
          pathway: 'direct-response',
          response: p.response,
        });
        appender.append(record);
        out.push(record);
        progress?.tick(completionTokens);
      }),
    );
  } finally {
    appender.close();
  }
  return out;
}
