// Output formats of `ipdialog score`: the official sums, full JSON, a readable table. All of
// them print reduce()'s numbers; JSON writes the official NaN as null (JSON has no NaN).
import { METRIC_KEYS, type ItemScore, type MetricKey } from '../../scorers';
import type { PathwayMetrics } from '../runlog';
import type { ScoreRunResult } from './score-run';

export type ScoreOutputFormat = 'official' | 'json' | 'table';
export const SCORE_OUTPUT_FORMATS: readonly ScoreOutputFormat[] = ['official', 'json', 'table'];

/** `{"<task>": {answer_acc, attribute_f1, value_f1, relative_value_acc}}`: the per-task sums, the official layout. */
export function officialSums(metrics: PathwayMetrics): Record<string, PathwayMetrics['tasks'][string]['sum']> {
  return Object.fromEntries(Object.entries(metrics.tasks).map(([task, t]) => [task, t.sum]));
}

export function renderScore(result: ScoreRunResult, format: ScoreOutputFormat): string {
  switch (format) {
    case 'official':
      return JSON.stringify(officialSums(result.metrics), null, 2);
    case 'json':
      return JSON.stringify(
        {
          pathway: result.pathway,
          ...(result.format && { format: result.format }),
          official: officialSums(result.metrics),
          metrics: result.metrics,
          items: result.scores.map(itemRecord),
        },
        null,
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

const SHORT: Record<MetricKey, string> = {
  answer_acc: 'ACC',
  attribute_f1: 'ATF',
  value_f1: 'VF1',
  relative_value_acc: 'RVA',
};

function renderTable(result: ScoreRunResult): string {
  const m = result.metrics;
  const fmt = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'NaN');
  const header = ['task', 'n', ...METRIC_KEYS.map((k) => `${SHORT[k]} sum`), ...METRIC_KEYS.map((k) => `${SHORT[k]} mean`), 'unparsed/partial'];
  const row = (name: string, n: number, sums: Record<MetricKey, number> | null, means: Record<MetricKey, number>, parse: string) => [
    name,
    String(n),
    ...METRIC_KEYS.map((k) => (sums ? fmt(sums[k], 2) : '')),
    ...METRIC_KEYS.map((k) => fmt(means[k], 4)),
    parse,
  ];
  const tasks = Object.entries(m.tasks);
  const rows = tasks.map(([task, t]) => row(task, t.count, t.sum, t.mean, `${t.parse.status.failed}/${t.parse.status.partial}`));
  rows.push(row('all (item mean)', m.overall.count, null, m.overall.mean, `${m.overall.parse.status.failed}/${m.overall.parse.status.partial}`));
  rows.push(row('all (task mean)', tasks.length, null, m.overall.task_mean, ''));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const r = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  return [
    `pathway ${result.pathway}${result.format ? ` (${result.format} predictions)` : ''}: sums are the official values (per task, 2 decimals)`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(0, -2).map(line),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(-2).map(line),
    `Pearson ATF vs RVA: across items ${r(m.atf_rva_pearson.across_items)}, across tasks ${r(m.atf_rva_pearson.across_tasks)}`,
    ...(m.overall.nan > 0
      ? [`${m.overall.nan} rank item(s) have a constant answer list: Kendall tau is NaN, and so is every sum and mean it enters (as officially)`]
      : []),
  ].join('\n');
}
