/**
 * The resumable data-generation run (SPEC section 5): the pure stages of pathways/datagen
 * with their intermediate files in OUT/steps/, so a rerun of the same command resumes at
 * the first unfinished step and unit, and the final files OUT/dataset.jsonl,
 * OUT/train.jsonl, OUT/test.jsonl and OUT/stats.json.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { IpdError, type GenerateFn, type TextGenerator } from '../../common';
import {
  AttributeSetSchema,
  HistorySchema,
  QuestionSchema,
  RequestListSchema,
  SubjectListSchema,
  TASKS,
  assembleItems,
  createAnswersStage,
  createHistoriesStage,
  createRequestsStage,
  createSubjectsStage,
  dedupItems,
  emptyStepStats,
  planAnswerUnits,
  planAttributeSets,
  planRequestUnits,
  planRiskDetect,
  planSubjectUnits,
  runStage,
  splitTrainTest,
  stageOutputs,
  summarizeOutcomes,
  taskOrder,
  type AttributeGroup,
  type Stage,
  type StageContext,
  type StepStats,
  type Task,
  type UnitOutcome,
} from '../../pathways';
import { Progress } from '../progress';
import { loadEmbedder } from './embed';
import { SCORER_EXTRACTION } from './extraction';
import { checkSpec, ensureGroups, writeJsonAtomic, writeJsonlAtomic, type DatagenSpec } from './files';
import { readStepFile, openStepAppender } from './step-file';
import type { z } from 'zod';

export const DATAGEN_STEPS = ['groups', 'subjects', 'requests', 'answers', 'histories', 'assemble', 'dedup', 'split'] as const;
export type DatagenStep = (typeof DATAGEN_STEPS)[number];

export interface DatagenConfig {
  out: string;
  tasks: Task[];
  /** Size of the attribute-group pool; risk_detect asks its fixed request once per group. */
  attributeGroups: number;
  subjectsPerDomain: number;
  maxDomains?: number;
  /** History rounds: tries after the first before the set is dropped (the paper: 30). */
  maxRetries: number;
  /** History rounds: every n-th try regenerates instead of improving (the paper: 4). */
  regenerateEvery: number;
  seed: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  testFraction: number;
  /** Steps to run now; earlier steps must be finished. Default: all. */
  steps?: DatagenStep[];
  /** Local embedding model folder for dedup; without it the lexical fallback. */
  embedModel?: string;
  dedupThreshold?: number;
}

export interface DatagenStats {
  version: 1;
  finished: boolean;
  model: string;
  backend: string;
  spec: DatagenSpec;
  steps: Partial<Record<DatagenStep, StepStats>>;
  dedup?: { method: 'embedding' | 'lexical'; model?: string; threshold: number; duplicates: number };
  items?: { dataset: number; train: number; test: number; byTask: Record<string, number> };
  /**
   * Units dropped, summed over the steps. A question whose history set was dropped counts
   * once under histories (the set) and once under assemble (the question).
   */
  dropped: number;
}

const STEP_FILES: Record<'subjects' | 'requests' | 'answers' | 'histories', string> = {
  subjects: '2-subjects.jsonl',
  requests: '3-requests.jsonl',
  answers: '4-answers.jsonl',
  histories: '5-histories.jsonl',
};

export async function runDatagen(cfg: DatagenConfig, generator: Pick<TextGenerator, 'generate' | 'modelId' | 'description'>, opts: { quiet?: boolean } = {}): Promise<DatagenStats> {
  const tasks = [...new Set(cfg.tasks)].sort((a, b) => taskOrder(a) - taskOrder(b));
  const spec: DatagenSpec = {
    version: 1,
    model: generator.modelId,
    tasks,
    attributeGroups: cfg.attributeGroups,
    subjectsPerDomain: cfg.subjectsPerDomain,
    maxDomains: cfg.maxDomains ?? null,
    maxRetries: cfg.maxRetries,
    regenerateEvery: cfg.regenerateEvery,
    seed: cfg.seed,
    maxNewTokens: cfg.maxNewTokens,
    temperature: cfg.temperature,
    topP: cfg.topP,
  };
  const stepsDir = path.join(cfg.out, 'steps');
  mkdirSync(stepsDir, { recursive: true });
  checkSpec(path.join(cfg.out, 'spec.json'), spec);

  const selected = new Set<DatagenStep>(cfg.steps ?? DATAGEN_STEPS);
  const last = Math.max(...[...selected].map((s) => DATAGEN_STEPS.indexOf(s)));
  const reaches = (s: DatagenStep) => DATAGEN_STEPS.indexOf(s) <= last;
  const stats: DatagenStats = { version: 1, finished: false, model: generator.modelId, backend: generator.description, spec, steps: {}, dropped: 0 };
  const writeStats = () => {
    stats.dropped = Object.values(stats.steps).reduce((a, s) => a + (s?.dropped ?? 0), 0);
    writeJsonAtomic(path.join(cfg.out, 'stats.json'), stats);
  };
  const settings = { maxNewTokens: cfg.maxNewTokens, temperature: cfg.temperature, topP: cfg.topP, seed: cfg.seed };

  async function step<I, O>(name: keyof typeof STEP_FILES, stage: Stage<I, O>, units: readonly I[], schema: z.ZodType<O>): Promise<UnitOutcome<O>[]> {
    const file = path.join(stepsDir, STEP_FILES[name]);
    const done = readStepFile(file, schema);
    const left = units.filter((u) => !done.has(stage.key(u))).length;
    if (left > 0 && !selected.has(name)) {
      throw new IpdError('USAGE', `step ${name} is not finished (${left} of ${units.length} units left)`, { file, hint: `run it first: --steps ${name}` });
    }
    const progress = opts.quiet || left === 0 ? null : new Progress({ label: `datagen ${name}`, total: units.length, done: units.length - left });
    const generate: GenerateFn = async (req) => {
      const r = await generator.generate(req);
      progress?.addTokens(r.completionTokens);
      return r;
    };
    const ctx: StageContext = { generate, settings, extraction: SCORER_EXTRACTION };
    const log = left > 0 ? openStepAppender(file) : null;
    try {
      return await runStage(stage, units, ctx, {
        done,
        onOutcome: (o) => {
          log!.append(o);
          progress?.tick();
        },
      });
    } finally {
      log?.close();
      progress?.finish();
    }
  }

  try {
    const pool: AttributeGroup[] = ensureGroups(path.join(stepsDir, '1-groups.jsonl'), cfg.attributeGroups, cfg.seed);
    stats.steps.groups = { ...emptyStepStats(), units: pool.length, passed: pool.length, outputs: pool.length };
    if (!reaches('subjects')) return stats;

    const subjectOutcomes = await step('subjects', createSubjectsStage({ subjectsPerDomain: cfg.subjectsPerDomain }), planSubjectUnits(tasks.filter((t) => t !== 'risk_detect'), cfg.maxDomains), SubjectListSchema);
    stats.steps.subjects = summarizeOutcomes(subjectOutcomes);
    if (!reaches('requests')) return stats;

    const requestOutcomes = await step('requests', createRequestsStage(), planRequestUnits(stageOutputs(subjectOutcomes), pool), RequestListSchema);
    const fixed = tasks.includes('risk_detect') ? planRiskDetect(pool, pool.length) : [];
    const lists = [...stageOutputs(requestOutcomes), ...fixed].sort((a, b) => taskOrder(a.task) - taskOrder(b.task));
    const rs = summarizeOutcomes(requestOutcomes);
    stats.steps.requests = { ...rs, outputs: rs.outputs + fixed.length, counters: { ...rs.counters, ...(fixed.length && { risk_detect_fixed: fixed.length }) } };
    if (!reaches('answers')) return stats;

    const answerOutcomes = await step('answers', createAnswersStage(), planAnswerUnits(lists), QuestionSchema);
    stats.steps.answers = summarizeOutcomes(answerOutcomes);
    const questions = stageOutputs(answerOutcomes);
    if (!reaches('histories')) return stats;

    const sets = planAttributeSets(questions).map((s) => AttributeSetSchema.parse(s));
    const historyStage = createHistoriesStage({ maxRetries: cfg.maxRetries, regenerateEvery: cfg.regenerateEvery });
    const historyOutcomes = await step('histories', historyStage, sets, HistorySchema);
    stats.steps.histories = summarizeOutcomes(historyOutcomes);
    if (!reaches('assemble')) return stats;

    const assembled = assembleItems(questions, stageOutputs(historyOutcomes));
    stats.steps.assemble = assembled.stats;
    if (assembled.invalid.length) writeJsonlAtomic(path.join(stepsDir, '6-assemble-invalid.jsonl'), assembled.invalid);
    let items = assembled.items;
    if (reaches('dedup')) {
      const embedder = cfg.embedModel ? await loadEmbedder(cfg.embedModel) : null;
      try {
        const method = embedder ? { kind: 'embedding' as const, embed: embedder.embed, threshold: cfg.dedupThreshold } : { kind: 'lexical' as const, threshold: cfg.dedupThreshold };
        const d = await dedupItems(items, method);
        items = d.items;
        stats.steps.dedup = d.stats;
        stats.dedup = { method: method.kind, ...(embedder && { model: embedder.model }), threshold: d.threshold, duplicates: d.duplicates.length };
        writeJsonlAtomic(path.join(stepsDir, '7-duplicates.jsonl'), d.duplicates);
      } finally {
        await embedder?.dispose();
      }
    }
    writeJsonlAtomic(path.join(cfg.out, 'dataset.jsonl'), items);
    const byTask = Object.fromEntries(TASKS.filter((t) => tasks.includes(t)).map((t) => [t, items.filter((i) => i.task === t).length]));
    stats.items = { dataset: items.length, train: 0, test: 0, byTask };
    if (reaches('split')) {
      const split = splitTrainTest(items, cfg.testFraction, cfg.seed);
      writeJsonlAtomic(path.join(cfg.out, 'train.jsonl'), split.train);
      writeJsonlAtomic(path.join(cfg.out, 'test.jsonl'), split.test);
      stats.steps.split = { ...emptyStepStats(), units: items.length, passed: items.length, outputs: items.length, counters: { train: split.train.length, test: split.test.length } };
      stats.items = { ...stats.items, train: split.train.length, test: split.test.length };
      stats.finished = true;
    }
    return stats;
  } finally {
    writeStats();
  }
}
