// `ipdialog score` end to end on the published outputs: the official Claude file in its
// alpaca form and converted to LLaMA-Factory form, and (when IPDIALOG_EXTRA_OUTPUTS points
// at a folder with them) the other published LLaMA-Factory files of the paper's repository.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { itWithReference, referencePath } from '../helpers/reference';

const DATA = 'filtered_data_test_1000.jsonl';
const CLAUDE = 'official-outputs/direct-response.claude.jsonl';
const METRICS = 'all_datasets_all_models_metrics.json';
const tmp = mkdtempSync(path.join(tmpdir(), 'ipd-score-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Official = Record<string, Record<string, number>>;

function expectOfficial(got: Official, expected: Official): void {
  expect(Object.keys(got)).toEqual(Object.keys(expected));
  for (const [task, metrics] of Object.entries(expected)) {
    expect(Object.keys(got[task])).toEqual(['answer_acc', 'attribute_f1', 'value_f1', 'relative_value_acc']);
    for (const [key, value] of Object.entries(metrics)) {
      expect(Math.abs(got[task][key] - value), `${task}.${key}: ${got[task][key]} vs ${value}`).toBeLessThanOrEqual(0.01);
    }
  }
}

function scoreOfficial(predictions: string): Official {
  const r = runCli(['score', '--pathway', 'direct-response', '--data', referencePath(DATA), '--predictions', predictions, '--format', 'official']);
  expect(r.stderr).not.toMatch(/error|warning/i);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Official;
}

const officialFor = (model: string): Official => JSON.parse(readFileSync(referencePath(METRICS), 'utf8')).alpaca_hq_basic_1000[model];

describe('ipdialog score', () => {
  itWithReference('reproduces the official Claude values from the official alpaca file', [DATA, CLAUDE, METRICS], () => {
    expectOfficial(scoreOfficial(referencePath(CLAUDE)), officialFor('claude'));
  });

  itWithReference('reproduces them from the same outputs as a LLaMA-Factory generated_predictions.jsonl', [DATA, CLAUDE, METRICS], () => {
    const converted = readFileSync(referencePath(CLAUDE), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const row = JSON.parse(l) as { input: string; predict: string };
        return JSON.stringify({ prompt: row.input, label: '', predict: row.predict });
      })
      .join('\n');
    const file = path.join(tmp, 'generated_predictions.jsonl');
    writeFileSync(file, converted); // no trailing newline, as LLaMA-Factory writes it
    expectOfficial(scoreOfficial(file), officialFor('claude'));
  });

  itWithReference('writes the table and json formats, and --out', [DATA, CLAUDE], () => {
    const out = path.join(tmp, 'scores.json');
    const json = runCli(['score', '--pathway', 'hq_basic', '--data', referencePath(DATA), '--predictions', referencePath(CLAUDE), '--format', 'json', '--out', out]);
    expect(json.status).toBe(0);
    const parsed = JSON.parse(readFileSync(out, 'utf8'));
    expect(parsed).toMatchObject({ pathway: 'direct-response', format: 'alpaca', metrics: { overall: { count: 1000 } } });
    expect(parsed.items).toHaveLength(1000);
    // The json form carries the same official sums as --format official, beside the means.
    expect(parsed.official).toEqual(Object.fromEntries(Object.entries(parsed.metrics.tasks as Record<string, { sum: unknown }>).map(([t, m]) => [t, m.sum])));
    expect(parsed.official.recommend.answer_acc).toBe(officialFor('claude').recommend.answer_acc);
    const table = runCli(['score', '--pathway', 'direct-response', '--data', referencePath(DATA), '--predictions', referencePath(CLAUDE)]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^recommend\s+100\s+27\.65\s/m);
    expect(table.stdout).toMatch(/Pearson ATF vs RVA/);
  });

  itWithReference('reports a truncated predictions file as one named error', [DATA, CLAUDE], () => {
    const file = path.join(tmp, 'short.jsonl');
    writeFileSync(file, readFileSync(referencePath(CLAUDE), 'utf8').split('\n').slice(0, 10).join('\n'));
    const r = runCli(['score', '--pathway', 'direct-response', '--data', referencePath(DATA), '--predictions', file, '--format', 'official']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error PREDICTIONS_INVALID: .*short\.jsonl has 10 prediction lines but the dataset has 1000 items/);
  });

  const extra = process.env.IPDIALOG_EXTRA_OUTPUTS;
  const models = ['qwen', 'llama3-1'];
  for (const model of models) {
    const file = extra ? path.join(extra, `${model}.jsonl`) : '';
    const run = extra && existsSync(file) ? it : it.skip;
    run(`reproduces the official ${model} values from its published LLaMA-Factory file (IPDIALOG_EXTRA_OUTPUTS)`, () => {
      expectOfficial(scoreOfficial(file), officialFor(model));
    });
  }
});
