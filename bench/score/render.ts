// Output formats of `ipdialog score`: the official sums, full JSON, a readable table.
import { METRIC_KEYS, officialMetrics, type ItemScore, type MetricValues } from '../../scorers';
import type { ScoreRunResult } from './score-run';

export type ScoreOutputFormat = 'official' | 'json' | 'table';
export const SCORE_OUTPUT_FORMATS: readonly ScoreOutputFormat[] = ['official', 'json', 'table'];

/** NaN (a rank item with a constant answer list makes its task's sum NaN, as in Python) is written as null. */
const finite = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value);

export function renderScore(result: ScoreRunResult, format: ScoreOutputFormat): string {
  switch (format) {
    case 'official':
      return JSON.stringify(officialMetrics(result.aggregate), finite, 2);
    case 'json':
      return JSON.stringify(
        {
          pathway: result.pathway,
          format: result.format,
          official: officialMetrics(result.aggregate),
          ...result.aggregate,
          items: result.scores.map(itemRecord),
        },
        finite,
        2,
      );
    case 'table':
      return renderTable(result);
  }
}

function itemRecord(s: ItemScore) {
  return {
    index: s.index,
    task: s.task,
    parse_status: s.parseStatus,
    missing: s.missing,
    extracted: s.extracted,
    answer_acc: s.answerAcc,
    attribute_f1: s.attributeF1,
    value_f1: s.valueF1,
    relative_value_acc: s.relativeValueAcc,
    ...(s.kendallTau !== undefined && { kendall_tau: s.kendallTau }),
  };
}

const SHORT: Record<(typeof METRIC_KEYS)[number], string> = {
  answer_acc: 'ACC',
  attribute_f1: 'ATF',
  value_f1: 'VF1',
  relative_value_acc: 'RVA',
};

function renderTable(result: ScoreRunResult): string {
  const agg = result.aggregate;
  const fmt = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'NaN');
  const header = ['task', 'n', ...METRIC_KEYS.map((k) => `${SHORT[k]} sum`), ...METRIC_KEYS.map((k) => `${SHORT[k]} mean`), 'parse fail/partial'];
  const row = (name: string, n: number, sums: MetricValues | null, means: MetricValues, parse: string) => [
    name,
    String(n),
    ...METRIC_KEYS.map((k) => (sums ? fmt(sums[k], 2) : '')),
    ...METRIC_KEYS.map((k) => fmt(means[k], 4)),
    parse,
  ];
  const rows = agg.tasks.map((t) => row(t.task, t.numItems, t.sums, t.means, `${t.numParseFailed}/${t.numParsePartial}`));
  rows.push(row('all (item mean)', agg.overall.numItems, null, agg.overall.itemMeans, ''));
  rows.push(row('all (task mean)', agg.tasks.length, null, agg.overall.taskMeans, ''));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const r = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  const nan = agg.tasks.reduce((a, t) => a + t.numNaN, 0);
  return [
    `pathway ${result.pathway}${result.format ? ` (${result.format} predictions)` : ''}: sums are the official values (per task, 2 decimals)`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(0, -2).map(line),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(-2).map(line),
    `Pearson ATF vs RVA: across items ${r(agg.pearsonAtfRva.acrossItems)}, across tasks ${r(agg.pearsonAtfRva.acrossTasks)}`,
    ...(nan > 0 ? [`${nan} rank item(s) have a constant answer list: Kendall tau is NaN and so is their task's sum (as officially)`] : []),
  ].join('\n');
}
