import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GROUP_KEY_ORDER, PATHWAYS, PATHWAY_IDS, TASKS, getPathway, parseDataset, sftTarget } from '../../pathways';
import { runCli } from '../helpers/cli';

const SHARED = path.resolve(__dirname, '../../../shared/ipdialog');
const TEST_SET = path.join(SHARED, 'filtered_data_test_1000.jsonl');
const TMP = mkdtempSync(path.join(tmpdir(), 'ipd-sft-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const readLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const items = parseDataset(readFileSync(TEST_SET, 'utf8'), TEST_SET).items.map((x) => x.item);

function exportTo(format: string, pathway = 'all'): Array<Record<string, any>> {
  const out = path.join(TMP, `${pathway}.${format}.jsonl`);
  const r = runCli(['export-sft', '--data', TEST_SET, '--pathway', pathway, '--format', format, '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  return readLines(out);
}

describe('ipdialog export-sft', () => {
  it('targets of direct-response and full-attributes follow the published training outputs', () => {
    const basic = readLines(path.join(SHARED, 'alpaca_hq_basic_1000.jsonl'));
    const cot3 = readLines(path.join(SHARED, 'alpaca_hq_cot3_1000.jsonl'));
    items.forEach((item, i) => {
      expect(sftTarget(item, 'direct-response')).toBe(basic[i].output);
      // The published file has "[No Support]" where the user's 12 attribute values belong.
      const full = GROUP_KEY_ORDER.map((k) => `${k}: ${item.user_attr_group[k]}`).join(', ');
      expect(sftTarget(item, 'full-attributes')).toBe(cot3[i].output.replace('[No Support]', `[${full}]`));
    });
  });

  it('writes alpaca, sharegpt and messages lines: the pathway prompt, then the target', () => {
    const alpaca = exportTo('alpaca');
    expect(alpaca).toHaveLength(items.length * PATHWAY_IDS.length);
    const basic = readLines(path.join(SHARED, 'alpaca_hq_basic_1000.jsonl'));
    alpaca.slice(0, items.length).forEach((line, i) => {
      expect(line).toEqual({ index: items[i].index, task: items[i].task, pathway: 'direct-response', instruction: basic[i].input, input: '', output: basic[i].output });
    });
    const sharegpt = exportTo('sharegpt', 'task-related');
    const messages = exportTo('messages', 'task-related');
    const p = getPathway('task-related');
    items.forEach((item, i) => {
      const prompt = p.render(item);
      const target = sftTarget(item, 'task-related');
      expect(sharegpt[i].conversations).toEqual([{ from: 'human', value: prompt }, { from: 'gpt', value: target }]);
      expect(messages[i].messages).toEqual([{ role: 'user', content: prompt }, { role: 'assistant', content: target }]);
    });
    expect(messages[0].messages[1].content).toMatch(/^- Attributes: \[[a-z_]+: [a-z_-]+(, [a-z_]+: [a-z_-]+)*\]\n- Analysis: \[/);
  });

  it('round-trips: each target, scored as the prediction with ipdialog score, gets full marks', () => {
    const lines = exportTo('alpaca');
    for (const pathway of PATHWAYS.keys()) {
      const preds = path.join(TMP, `${pathway}.predictions.jsonl`);
      // The official alpaca-plus-"predict" layout: line i answers item i.
      writeFileSync(preds, lines.filter((l) => l.pathway === pathway).map((l) => `${JSON.stringify({ ...l, predict: l.output })}\n`).join(''));
      const r = runCli(['score', '--pathway', pathway, '--predictions', preds, '--data', TEST_SET, '--format', 'json']);
      expect(r.status, r.stderr).toBe(0);
      const score = JSON.parse(r.stdout);
      for (const task of TASKS) {
        const sums = score.official[task];
        const means = score.metrics.tasks[task].mean;
        // Task accuracy: exact, set F1 and Kendall tau give 1; METEOR gives its maximum
        // (identical texts score 1 - 0.5 / n^3), 100.00 as an official sum.
        expect(sums.answer_acc, `${pathway} ${task}`).toBe(100);
        expect(means.answer_acc).toBeGreaterThan(0.9999);
        if (pathway === 'direct-response') {
          // This pathway asks for no attributes: its attribute metrics are 0 by definition.
          expect([sums.attribute_f1, sums.value_f1, sums.relative_value_acc]).toEqual([0, 0, 0]);
        } else if (pathway === 'full-attributes') {
          // All 12 values against the GT's few: every value right (RVA 1), precision |GT|/12.
          expect(sums.relative_value_acc).toBe(100);
          expect(sums.value_f1).toBe(sums.attribute_f1);
        } else {
          expect([sums.attribute_f1, sums.value_f1, sums.relative_value_acc], `${pathway} ${task}`).toEqual([100, 100, 100]);
        }
      }
      expect(score.metrics.overall.parse.status).toEqual({ ok: 1000, partial: 0, failed: 0 });
    }
  });

  it('names a bad pathway', () => {
    const r = runCli(['export-sft', '--data', TEST_SET, '--pathway', 'nope', '--format', 'alpaca']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown pathway "nope"/);
  });
});
