import path from 'node:path';
import { IpdError, type TextGenerator } from '../../common';
import { ANSWER_KIND, type LoadedItem, type Pathway } from '../../pathways';
import { readDataset } from '../../pathways/node';
import { createItemScorer, createMeteor, type ItemScorer } from '../../scorers';
import { loadMeteorResources } from '../../scorers/node';
import { Progress } from '../progress';
import { writeRunReport } from '../report/node';
import { checkUniqueItems, itemId, predictionRecord, recordKey, reduce, runEndpointRecords, runStats, RUN_FORMAT_VERSION, type PredictionRecord, type RunRecord, type RunSpec } from '../runlog';
import { clearRun, fileSha256, openLog, openRunForUpdate, writeMetrics, writeRunRecord } from '../runlog/node';
import { DEFAULT_MAX_NEW_TOKENS } from './defaults';
import { environment } from './environment';
import { specProvenance } from './provenance';
import { conflictError, diffSpec } from './spec';

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
  /** Opens the generator once the run directory is checked (so a conflict costs no model load). */
  openGenerator: () => Promise<TextGenerator>;
  /** The command line, for the report's manifest (the CLI passes it). */
  commandLine?: string;
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

/** The items of a run, by pathway and item: the unit that is written once and never repeated. */
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
  const data = await readDataset(opts.dataFile, { perTask: opts.perTask });
  checkUniqueItems(data.items);
  if (opts.force) await clearRun(opts.out);
  const existing = await openRunForUpdate(opts.out);
  const maxNew = Object.fromEntries(opts.pathways.map((p) => [p.id, opts.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS[p.id]]));
  const dataSha256 = await fileSha256(opts.dataFile);

  // Items interleave pathways per item, so prompts that share a history arrive together.
  const work: WorkItem[] = data.items.flatMap((loaded) => opts.pathways.map((pathway) => ({ pathway, loaded })));
  const total = work.length;
  const prior = existing?.predictions ?? [];
  const done = new Set(prior.map((p) => recordKey(p)));
  const todo = work.filter((w) => !done.has(recordKey({ pathway: w.pathway.id, ...w.loaded.item })));

  const generator = await opts.openGenerator();
  try {
    const spec: RunSpec = {
      model: generator.modelId,
      backend: generator.description.split(' ')[0],
      pathways: opts.pathways.map((p) => p.id),
      data_file: path.resolve(opts.dataFile),
      data_sha256: dataSha256,
      per_task: opts.perTask ?? null,
      max_new_tokens: maxNew,
      sampling: { temperature: opts.temperature ?? 0, ...(opts.topP !== undefined && { top_p: opts.topP }), ...(opts.seed !== undefined && { seed: opts.seed }) },
      prompt_mode: opts.promptMode,
      ...(await specProvenance(generator, opts.pathways)),
    };
    if (existing) {
      const diffs = diffSpec(existing.run.spec, spec);
      if (diffs.length) throw conflictError(opts.out, diffs);
    }
    const priorSeconds = existing?.run.stats.generation_seconds ?? 0;
    const record: RunRecord = {
      version: RUN_FORMAT_VERSION,
      status: 'started',
      spec,
      // Judging is separate from generating: a resumed run keeps the judge that judged it.
      ...(existing?.run.judge && { judge: existing.run.judge }),
      environment: environment(generator.description, generator.device ?? 'remote', opts.commandLine),
      started_at: existing?.run.started_at ?? new Date().toISOString(),
      stats: runStats(prior, total, priorSeconds),
      // Remote backends: earlier sessions' servers, until this session's figures join them.
      ...(existing?.run.endpoints && { endpoints: existing.run.endpoints }),
    };
    writeRunRecord(opts.out, record);
    const predictions = await generate(opts, generator, todo, maxNew, prior, record);
    record.status = 'success';
    record.finished_at = new Date().toISOString();
    writeRunRecord(opts.out, record);
    writeMetrics(opts.out, reduce({ predictions, judge: existing?.judge, pathways: spec.pathways }));
    await writeRunReport(opts.out);
    return { dir: opts.out, generated: todo.length, resumed: prior.length, total, record };
  } finally {
    await generator.dispose();
  }
}

/**
 * Generates and scores `todo`, appending each record as it finishes; returns all records of the
 * run. `record` gets the run's stats and endpoints on success, on Ctrl-C and on an error (then
 * with status and error written to run.json before the error goes on).
 */
async function generate(
  opts: RunOptions,
  generator: TextGenerator,
  todo: readonly WorkItem[],
  maxNew: RunSpec['max_new_tokens'],
  prior: readonly PredictionRecord[],
  record: RunRecord,
): Promise<PredictionRecord[]> {
  const scorer = await createScorer(todo);
  const appender = openLog(opts.out, 'predictions');
  const predictions = [...prior];
  const progress = new Progress({ label: 'run', total: record.stats.items_total, done: prior.length, maxTokensPerItem: Math.max(...Object.values(maxNew).map((n) => n ?? 0)) });
  const t0 = performance.now();
  const priorSeconds = record.stats.generation_seconds;
  let lastMetrics = performance.now();
  const previousEndpoints = record.endpoints;
  const settle = () => {
    record.stats = runStats(predictions, record.stats.items_total, priorSeconds + (performance.now() - t0) / 1000);
    if (generator.endpointStats) record.endpoints = runEndpointRecords(previousEndpoints, generator.endpointStats(), predictions);
  };
  const onSigint = () => {
    settle();
    markCancelled(opts.out, record);
  };
  process.once('SIGINT', onSigint);
  try {
    await Promise.all(
      todo.map(async ({ pathway, loaded }) => {
        const prompt = pathway.render(loaded.item);
        const id = recordKey({ pathway: pathway.id, ...loaded.item });
        const r = await generator.generate(
          {
            id,
            ...(opts.promptMode === 'chat' ? { messages: [{ role: 'user' as const, content: prompt }] } : { prompt }),
            maxNewTokens: maxNew[pathway.id]!,
            temperature: opts.temperature,
            topP: opts.topP,
            seed: opts.seed,
            // The pathways of one item share its dialogue history: one server's prefix cache.
            affinityKey: itemId(loaded.item),
          },
          opts.quiet ? {} : { onText: () => progress.streamed(id) },
        );
        const rec = predictionRecord(pathway.id, loaded, prompt, r, scorer(loaded.item, r.text, pathway.attributeField));
        appender.append(rec);
        predictions.push(rec);
        if (!opts.quiet) progress.tick(r.completionTokens, id);
        if (performance.now() - lastMetrics > (opts.metricsEveryS ?? 15) * 1000) {
          lastMetrics = performance.now();
          writeMetrics(opts.out, reduce({ predictions, pathways: record.spec.pathways }));
        }
      }),
    );
  } catch (err) {
    // Everything finished is in predictions.jsonl; run.json says why the run stopped.
    const e = IpdError.from(err);
    settle();
    record.status = 'error';
    record.error = { code: e.code, message: e.message };
    writeRunRecord(opts.out, record);
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
    appender.close();
    if (!opts.quiet) progress.finish();
  }
  settle();
  return predictions;
}

/** Ctrl-C: the predictions are already on disk; the record says the run stopped early. */
function markCancelled(dir: string, record: RunRecord): void {
  record.status = 'cancelled';
  try {
    writeRunRecord(dir, record);
  } finally {
    process.exit(130);
  }
}

/** METEOR data (Punkt, WordNet) is loaded only when a free-text task is in the run. */
async function createScorer(work: readonly WorkItem[]): Promise<ItemScorer> {
  const free = work.some((w) => ['list', 'text'].includes(ANSWER_KIND[w.loaded.item.task]));
  return createItemScorer({ meteor: free ? createMeteor(await loadMeteorResources()) : undefined });
}
