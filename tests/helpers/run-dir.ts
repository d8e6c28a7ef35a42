// Builds a run directory that follows bench/runlog/schema.ts exactly, from the real test
// items with synthetic responses, metrics and judge records: report tests need no model.
// metrics.json is bench/runlog's reduce() of the records, as `ipdialog run` writes it.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  JudgeRecordSchema,
  PredictionRecordSchema,
  reduce,
  RunRecordSchema,
  type ItemMetrics,
  type JudgeRecord,
  type MetricsRecord,
  type PredictionRecord,
  type RunRecord,
} from '../../bench/runlog';
import { getPathway, type DialogItem } from '../../pathways';
import { readDataset } from '../../pathways/node';
import { referencePath } from './reference';

export const TEST_SET = 'filtered_data_test_1000.jsonl';

export interface FakeRunOptions {
  pathways?: string[];
  perTask?: number;
  model?: string;
  /** Also write judge.jsonl (every item judged; every 7th reply unparseable, every 11th out of range). */
  judge?: boolean;
  /** Write metrics.json (default true), as a finished run has it. */
  writeMetrics?: boolean;
  /** Override the synthetic response of some items. */
  response?: (item: DialogItem, pathway: string) => string | undefined;
  /** Seed of the synthetic metrics, so two fake runs differ. */
  seed?: number;
}

export interface FakeRun {
  dir: string;
  items: DialogItem[];
  run: RunRecord;
  predictions: PredictionRecord[];
  metrics?: MetricsRecord;
  judge: JudgeRecord[];
}

/** Deterministic value in [0, 1) from the item, pathway and a salt. */
function unit(...parts: (string | number)[]): number {
  const digest = createHash('sha256').update(parts.join('|')).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function syntheticMetrics(item: DialogItem, pathway: string, seed: number): ItemMetrics {
  const answer_acc = round2(unit(seed, item.index, pathway, 'acc'));
  if (pathway === 'direct-response') return { answer_acc, attribute_f1: 0, value_f1: 0, relative_value_acc: 0 };
  const attribute_f1 = round2(0.3 + 0.7 * unit(seed, item.index, pathway, 'atf'));
  const value_f1 = round2(attribute_f1 * (0.4 + 0.6 * unit(seed, item.index, pathway, 'vf')));
  const relative_value_acc = attribute_f1 === 0 ? 0 : round2(Math.min(1, value_f1 / attribute_f1));
  return { answer_acc, attribute_f1, value_f1, relative_value_acc };
}

function syntheticResponse(item: DialogItem, pathway: string): { response: string; extracted: PredictionRecord['extracted'] } {
  const attributes = pathway === 'direct-response' ? {} : { ...item.GT.related_attributes };
  const analysis = `The user seems to care about ${Object.keys(item.GT.related_attributes).join(' and ') || 'the request'}.`;
  const answer = item.GT.answer;
  const attrText = Object.entries(attributes)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const answerText = Array.isArray(answer) ? answer.join(', ') : answer;
  const response = [attrText ? `- ${getPathway(pathway).attributeField}: [${attrText}]` : '', `- Analysis: [${analysis}]`, `- Answer: [${answerText}]`]
    .filter(Boolean)
    .join('\n');
  return { response, extracted: { attributes, analysis, answer } };
}

/** Judge records for every item; every 7th reply is unparseable and every 11th out of range. */
function syntheticJudge(preds: readonly PredictionRecord[], seed: number): JudgeRecord[] {
  return preds.map((p, i) => {
    const base = { index: p.index, line: p.line, judge_model: 'tiny-judge', task: p.task, pathway: p.pathway, prompt: `judge prompt for item ${p.index}` };
    if (i % 7 === 3) return { ...base, output: 'I cannot score this.', scores: {}, status: 'unparseable', problems: ['no "[Name: N]" groups found'] };
    if (i % 11 === 5) {
      return { ...base, output: '[Conciseness: 3, Personalization: 2, Analysis Quality: 2, Answer Accuracy: 2]\n[Total: 9]', scores: { Conciseness: 3, Total: 9 }, status: 'out_of_range', problems: ['Conciseness 3 is outside 0-1'] };
    }
    const c = unit(seed, p.index, p.pathway, 'c') < 0.7 ? 1 : 0;
    const pe = Math.floor(unit(seed, p.index, p.pathway, 'p') * 5);
    const a = Math.floor(unit(seed, p.index, p.pathway, 'a') * 5);
    const acc = Math.floor(unit(seed, p.index, p.pathway, 'acc') * 6);
    const scores = { Conciseness: c, Personalization: pe, 'Analysis Quality': a, 'Answer Accuracy': acc, Total: c + pe + a + acc };
    const output = `[Conciseness: ${c}, Personalization: ${pe}, Analysis Quality: ${a}, Answer Accuracy: ${acc}]\n[Total: ${scores.Total}]`;
    return { ...base, output, scores, status: 'ok', problems: [] };
  });
}

export async function createRunDir(opts: FakeRunOptions = {}): Promise<FakeRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ipd-run-'));
  const pathways = opts.pathways ?? ['type-guided'];
  const perTask = opts.perTask ?? 4;
  const seed = opts.seed ?? 1;
  const dataFile = referencePath(TEST_SET);
  const dataset = await readDataset(dataFile, { perTask });
  const items = dataset.items.map((e) => e.item);
  // `index` repeats across tasks; (task, index) identifies an item.
  const lines = new Map(dataset.items.map((e) => [`${e.item.task}:${e.item.index}`, e.source.line]));

  const predictions: PredictionRecord[] = [];
  for (const pathway of pathways) {
    for (const item of items) {
      const synthetic = syntheticResponse(item, pathway);
      const response = opts.response?.(item, pathway) ?? synthetic.response;
      const metrics = syntheticMetrics(item, pathway, seed);
      const missing = pathway === 'direct-response' ? [] : item.index % 9 === 4 ? ['analysis'] : [];
      predictions.push(
        PredictionRecordSchema.parse({
          index: item.index,
          line: lines.get(`${item.task}:${item.index}`),
          task: item.task,
          pathway,
          prompt: getPathway(pathway).render(item),
          response,
          extracted: missing.includes('analysis') ? { ...synthetic.extracted, analysis: '' } : synthetic.extracted,
          missing,
          parse_status: missing.length > 0 ? 'partial' : 'ok',
          metrics,
          prompt_tokens: 900 + (item.index % 300),
          completion_tokens: 80 + (item.index % 60),
          cached_tokens: 0,
          finish_reason: item.index % 13 === 0 ? 'length' : 'stop',
          latency_ms: 1200 + (item.index % 500),
        }),
      );
    }
  }
  const judge: JudgeRecord[] = opts.judge ? syntheticJudge(predictions, seed).map((j) => JudgeRecordSchema.parse(j)) : [];

  const completion = predictions.reduce((a, p) => a + p.completion_tokens, 0);
  const run = RunRecordSchema.parse({
    version: 2,
    status: 'success',
    spec: {
      model: opts.model ?? 'tiny-llama',
      backend: 'local',
      pathways,
      data_file: dataFile,
      data_sha256: createHash('sha256').update(await readFile(dataFile)).digest('hex'),
      per_task: perTask,
      max_new_tokens: Object.fromEntries(pathways.map((p) => [p, 512])),
      sampling: { temperature: 0 },
      prompt_mode: 'chat',
      // What `run` records of the model and prompts (synthetic values here).
      model_revision: `sha256:${createHash('sha256').update(opts.model ?? 'tiny-llama').digest('hex')}`,
      dtype: 'q4',
      pathway_templates: Object.fromEntries(pathways.map((p) => [p, createHash('sha256').update(getPathway(p).template).digest('hex')])),
    },
    ...(opts.judge && { judge: { model: 'tiny-judge', sample: 'all' } }),
    environment: {
      engine: 'ip-dialog engine',
      device: 'cpu',
      packages: { 'onnxruntime-node': '1.30.0' },
      node: process.version,
      platform: process.platform,
      command_line: `ipdialog run --model ${opts.model ?? 'tiny-llama'} --pathway ${pathways.join(',')} --per-task ${perTask}`,
    },
    started_at: '2026-01-01T00:00:00.000Z',
    finished_at: '2026-01-01T00:05:00.000Z',
    stats: {
      items_total: predictions.length,
      items_done: predictions.length,
      prompt_tokens: predictions.reduce((a, p) => a + p.prompt_tokens, 0),
      completion_tokens: completion,
      cached_tokens: 0,
      generation_seconds: 300,
      tokens_per_second: completion / 300,
    },
  });

  let metrics: MetricsRecord | undefined;
  if (opts.writeMetrics !== false) {
    metrics = reduce({ predictions, judge, pathways });
    await writeFile(path.join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2));
  }
  await writeFile(path.join(dir, 'run.json'), JSON.stringify(run, null, 2));
  await writeFile(path.join(dir, 'predictions.jsonl'), predictions.map((p) => `${JSON.stringify(p)}\n`).join(''));
  if (judge.length > 0) await writeFile(path.join(dir, 'judge.jsonl'), judge.map((j) => `${JSON.stringify(j)}\n`).join(''));
  return { dir, items, run, predictions, ...(metrics && { metrics }), judge };
}
