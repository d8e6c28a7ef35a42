import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { IpdError, type TextGenerator } from '../../common';
import type { LoadedItem, Pathway } from '../../pathways';
import { readDataset } from '../../pathways/node';
import { createItemScorer, createMeteor, type ItemScorer } from '../../scorers';
import { loadMeteorResources } from '../../scorers/node';
import { JsonlAppender, readJsonl } from '../jsonl-log';
import { Progress } from '../progress';
import { writeRunReport } from '../report';
import { predictionRecord } from '../runlog/records';
import { RUN_FORMAT_VERSION, RunRecordSchema, type JudgeRecord, type PredictionRecord, type RunRecord } from '../runlog/schema';
import { DEFAULT_MAX_NEW_TOKENS } from './defaults';
import { runEndpointRecords } from './endpoint-records';
import { environment, sha256File } from './environment';
import { readJsonFile, runFiles, writeJsonAtomic } from './files';
import { computeMetrics } from './metrics';
import { conflictError, diffSpec, type RunSpec } from './spec';

export interface RunOptions {
  out: string;
  dataFile: string;
  pathways: Pathway[];
  perTask?: number;
  /** One limit for every pathway; default DEFAULT_MAX_NEW_TOKENS per pathway. */
  maxNewTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  promptMode: 'chat' | 'raw';
  force?: boolean;
  judge?: RunSpec['judge'];
  /** Opens the generator once the run directory is checked (so a conflict costs no model load). */
  openGenerator: () => Promise<TextGenerator>;
  /** Seconds between metrics.json rewrites while running. */
  metricsEveryS?: number;
  quiet?: boolean;
}

export interface RunSummary {
  dir: string;
  generated: number;
  resumed: number;
  total: number;
  record: RunRecord;
}

const keyOf = (pathway: string, line: number) => `${pathway}\u0000${line}`;

/** The items of a run, by pathway and data-file line: the unit that is written once and never repeated. */
interface WorkItem {
  pathway: Pathway;
  loaded: LoadedItem;
}

/**
 * `ipdialog run`: generates every (pathway, item) not yet in DIR/predictions.jsonl, scores
 * each as it finishes and appends it durably, keeps metrics.json current, and finishes
 * with report.html. A rerun of the same command resumes; other settings are refused.
 */
export async function runBenchmark(opts: RunOptions): Promise<RunSummary> {
  const files = runFiles(opts.out);
  const data = await readDataset(opts.dataFile, { perTask: opts.perTask });
  const maxNew = Object.fromEntries(opts.pathways.map((p) => [p.id, opts.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS[p.id]]));

  const existing = opts.force ? undefined : await readJsonFile(files.run, RunRecordSchema);
  if (opts.force) await clearRun(files);
  else if (!existing && existsSync(files.predictions)) {
    throw new IpdError('RUN_INVALID', `${files.predictions} exists but ${files.run} does not`, { file: opts.out, hint: 'use another --out, or --force to start over' });
  }

  // Items interleave pathways per item, so prompts that share a history arrive together.
  const work: WorkItem[] = data.items.flatMap((loaded) => opts.pathways.map((pathway) => ({ pathway, loaded })));
  const total = work.length;
  const generator = await opts.openGenerator();
  let appender: JsonlAppender | undefined;
  try {
    const spec: RunSpec = {
      model: generator.modelId,
      backend: generator.description.split(' ')[0],
      pathways: opts.pathways.map((p) => p.id),
      data_file: path.resolve(opts.dataFile),
      data_sha256: await sha256File(opts.dataFile),
      per_task: opts.perTask ?? null,
      max_new_tokens: maxNew,
      sampling: { temperature: opts.temperature ?? 0, ...(opts.topP !== undefined && { top_p: opts.topP }), ...(opts.seed !== undefined && { seed: opts.seed }) },
      prompt_mode: opts.promptMode,
      ...(opts.judge && { judge: opts.judge }),
    };
    if (existing) {
      const diffs = diffSpec(existing.spec, spec);
      if (diffs.length) throw conflictError(opts.out, diffs);
    }

    const prior = readJsonl<PredictionRecord>(files.predictions).records;
    const done = new Set(prior.map((p) => keyOf(p.pathway, p.line ?? -1)));
    const todo = work.filter((w) => !done.has(keyOf(w.pathway.id, w.loaded.source.line)));
    const record: RunRecord = {
      version: RUN_FORMAT_VERSION,
      status: 'started',
      spec,
      environment: environment(generator.description, generator.device ?? 'remote'),
      started_at: existing?.started_at ?? new Date().toISOString(),
      stats: existing?.stats ?? { items_total: total, items_done: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, generation_seconds: 0, tokens_per_second: 0 },
    };
    record.stats.items_total = total;
    record.stats.items_done = prior.length;
    writeJsonAtomic(files.run, record);

    const scorer = await createScorer(todo);
    appender = new JsonlAppender(files.predictions);
    const predictions = [...prior];
    const progress = new Progress({ label: 'run', total, done: prior.length });
    const t0 = performance.now();
    let lastMetrics = performance.now();
    // Remote backends: per-endpoint figures of every session, rewritten whenever run.json is.
    const updateEndpoints = () => {
      if (generator.endpointStats) record.endpoints = runEndpointRecords(existing?.endpoints, generator.endpointStats(), predictions);
    };
    const onSigint = () => {
      updateEndpoints();
      markCancelled(files.run, record);
    };
    process.once('SIGINT', onSigint);
    try {
      await Promise.all(
        todo.map(async ({ pathway, loaded }) => {
          const prompt = pathway.render(loaded.item);
          const r = await generator.generate({
            id: `${pathway.id}:${loaded.source.line}`,
            ...(opts.promptMode === 'chat' ? { messages: [{ role: 'user' as const, content: prompt }] } : { prompt }),
            // The pathways of one item share its dialogue history: one server's prefix cache.
            affinityKey: String(loaded.source.line),
            maxNewTokens: maxNew[pathway.id],
            temperature: opts.temperature,
            topP: opts.topP,
            seed: opts.seed,
          });
          const s = scorer(loaded.item, r.text, pathway.attributeField);
          const rec = predictionRecord(pathway.id, loaded, prompt, r, s);
          appender!.append(rec);
          predictions.push(rec);
          record.stats.items_done++;
          record.stats.prompt_tokens += r.promptTokens;
          record.stats.completion_tokens += r.completionTokens;
          record.stats.cached_tokens += r.cachedTokens ?? 0;
          if (!opts.quiet) progress.tick(r.completionTokens);
          if (performance.now() - lastMetrics > (opts.metricsEveryS ?? 15) * 1000) {
            lastMetrics = performance.now();
            writeJsonAtomic(files.metrics, computeMetrics(predictions));
          }
        }),
      );
    } catch (err) {
      // Everything finished is in predictions.jsonl; the record says why the run stopped.
      const e = IpdError.from(err);
      updateEndpoints();
      record.status = 'error';
      record.error = { code: e.code, message: e.message };
      writeJsonAtomic(files.run, record);
      throw err;
    } finally {
      process.removeListener('SIGINT', onSigint);
      if (!opts.quiet) progress.finish();
    }
    const secs = (performance.now() - t0) / 1000;
    record.stats.generation_seconds += secs;
    record.stats.tokens_per_second = record.stats.generation_seconds > 0 ? record.stats.completion_tokens / record.stats.generation_seconds : 0;
    const judge = readJsonl<JudgeRecord>(files.judge).records;
    writeJsonAtomic(files.metrics, computeMetrics(predictions, judge));
    updateEndpoints();
    record.status = 'success';
    delete record.error;
    record.finished_at = new Date().toISOString();
    writeJsonAtomic(files.run, record);
    await writeRunReport(opts.out);
    return { dir: opts.out, generated: todo.length, resumed: prior.length, total, record };
  } finally {
    appender?.close();
    await generator.dispose();
  }
}

async function clearRun(files: ReturnType<typeof runFiles>): Promise<void> {
  for (const f of [files.run, files.predictions, files.metrics, files.judge, files.report]) await rm(f, { force: true });
}

/** Ctrl-C: the predictions are already on disk; the record says the run stopped early. */
function markCancelled(file: string, record: RunRecord): void {
  record.status = 'cancelled';
  try {
    writeJsonAtomic(file, record);
  } finally {
    process.exit(130);
  }
}

/** METEOR data (Punkt, WordNet) is loaded only when a free-text task is in the run. */
async function createScorer(work: readonly WorkItem[]): Promise<ItemScorer> {
  const free = work.some((w) => ['risk_detect', 'intention_infer', 'advice', 'recommend', 'convince'].includes(w.loaded.item.task));
  return createItemScorer({ meteor: free ? createMeteor(await loadMeteorResources()) : undefined });
}
