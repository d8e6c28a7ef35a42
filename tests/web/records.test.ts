// The browser app's results files, built without a browser: they follow bench/runlog's schemas
// (run.json's limit keyed by pathway, as the CLI writes it) and keep the official NaN.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MetricsRecordSchema, predictionRecord, PredictionRecordSchema, reduce, RunRecordSchema } from '../../bench/runlog';
import type { TextResult } from '../../common';
import { getPathway, parseDataset, selectPerTask } from '../../pathways';
import { createItemScorer, createMeteor } from '../../scorers';
import { loadMeteorResources } from '../../scorers/node';
import { generationLine, runRecord, toJsonl } from '../../web/src/run/records';
import { itWithReference, referencePath } from '../helpers/reference';

const TEST_SET = 'filtered_data_test_1000.jsonl';

describe('browser run records', () => {
  itWithReference('predictions, metrics and run records parse with the run-log schemas', [TEST_SET], async () => {
    const items = selectPerTask(parseDataset(readFileSync(referencePath(TEST_SET), 'utf8'), TEST_SET).items, 2);
    const pathway = getPathway('type-guided');
    const score = createItemScorer({ meteor: createMeteor(await loadMeteorResources()) });
    const preds = items.map((entry, i) => {
      // Half the responses are the ground truth in the pathway's layout, half are noise.
      const gt = entry.item.GT;
      const answer = Array.isArray(gt.answer) ? gt.answer.join(', ') : gt.answer;
      const attrs = Object.entries(gt.related_attributes).map(([k, v]) => `${k}: ${v}`).join(', ');
      const text = i % 2 === 0 ? `- Attribute Values: [${attrs}]\n- Analysis: [${gt.analysis}]\n- Answer: [${answer}]` : 'no idea';
      const result: TextResult = { text, finishReason: 'stop', promptTokens: 100 + i, completionTokens: 7, tokenIds: [1, 2, 3, 4, 5, 6, 7], latencyMs: 12.6 };
      const s = score(entry.item, text, pathway.attributeField);
      return { rec: predictionRecord(pathway.id, entry, pathway.render(entry.item), result, s), result, key: `${entry.item.task}:${entry.item.index}` };
    });
    for (const { rec } of preds) expect(PredictionRecordSchema.parse(JSON.parse(JSON.stringify(rec)))).toEqual(rec);
    expect(preds[0].rec).toMatchObject({ line: items[0].source.line, prompt_tokens: 100, completion_tokens: 7, latency_ms: 13, missing: [] });
    expect(preds[0].rec.metrics.attribute_f1).toBe(1);
    expect(preds[1].rec).toMatchObject({ missing: ['attributes', 'analysis', 'answer'], parse_status: 'failed' });

    // Per task one GT answer (attribute F1 1) and one non-answer (0): every task sums to 1.
    const metrics = reduce({ predictions: preds.map((p) => p.rec) });
    expect(MetricsRecordSchema.parse(JSON.parse(JSON.stringify(metrics)))).toEqual(metrics);
    const tasks = metrics.pathways['type-guided'].tasks;
    expect(Object.keys(tasks)).toHaveLength(10);
    for (const t of Object.values(tasks)) expect(t).toMatchObject({ count: 2, sum: { attribute_f1: 1 }, parse: { status: { ok: 1, failed: 1 } } });
    expect(metrics.pathways['type-guided'].overall.count).toBe(20);

    const run = runRecord(
      {
        model: 'http://127.0.0.1/models/tiny/',
        dtype: 'q4',
        numerics: 'exact',
        pathwayTemplate: 'cd01',
        backend: 'ort-web',
        engine: 'ip-dialog web (onnxruntime-web)',
        device: 'WASM, 2 threads',
        packages: { 'onnxruntime-web': '1.31.0' },
        pathway: 'type-guided',
        dataFile: TEST_SET,
        dataSha256: 'ab',
        perTask: 2,
        maxNewTokens: 16,
        startedAt: '2025-01-01T00:00:00.000Z',
        finishedAt: '2025-01-01T00:00:02.000Z',
        status: 'success',
        platform: 'test',
      },
      preds.map((p) => p.rec),
      20,
    );
    expect(RunRecordSchema.parse(run)).toEqual(run);
    expect(run.spec.max_new_tokens).toEqual({ 'type-guided': 16 });
    // The manifest fields `ipdialog run` records of the model and prompts, where the browser knows them.
    expect(run.spec).toMatchObject({ dtype: 'q4', numerics: 'exact', pathway_templates: { 'type-guided': 'cd01' } });
    expect(run.stats).toMatchObject({ items_total: 20, items_done: 20, completion_tokens: 140, generation_seconds: 2, tokens_per_second: 70 });

    // generations.jsonl: the keys and order of `ipdialog generate --out` lines.
    const line = JSON.parse(toJsonl([generationLine(preds[0].key, preds[0].result)]));
    expect(Object.keys(line)).toEqual(['id', 'text', 'token_ids', 'prompt_tokens', 'finish_reason']);
  });

  it('the official NaN (constant rank list) is written as null and read back as NaN, never as 0', () => {
    const entry = { item: { index: 1, task: 'rank' }, source: { file: 'x', line: 3 } } as never;
    const result: TextResult = { text: '', finishReason: 'length', promptTokens: 1, completionTokens: 1, latencyMs: 1 };
    const s = { answerAcc: NaN, attributeF1: 0, valueF1: 0, relativeValueAcc: 0, parseStatus: 'ok', missing: [], extracted: { attributes: {}, analysis: '', answer: ['a'] } } as never;
    const line = JSON.stringify(predictionRecord('direct-response', entry, 'p', result, s));
    expect(JSON.parse(line).metrics.answer_acc).toBeNull();
    expect(PredictionRecordSchema.parse(JSON.parse(line)).metrics.answer_acc).toBeNaN();
  });
});
