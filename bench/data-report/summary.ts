// The few lines `ipdialog data-report` prints: headline figures and the flags.
import { show } from './page';
import type { QualityReport } from './report';

const HEADLINE = [
  'items',
  'lexical.histories.equal_size.ttr',
  'lexical.histories.equal_size.distinct_2',
  'lexical.histories.self_bleu.value',
  'lexical.requests.equal_size.ttr',
  'lexical.analyses.equal_size.ttr',
  'lengths.rounds_per_history.mean',
  'lengths.words_per_user_turn.mean',
  'near_duplicates.drop_share',
];

export function formatQualitySummary(report: QualityReport): string {
  const hasRef = report.reference !== null;
  const rows = report.comparison.filter((r) => HEADLINE.includes(r.figure));
  const width = Math.max(...rows.map((r) => r.label.length)) + 2;
  const lines = [`${'figure'.padEnd(width)}${'this set'.padStart(10)}${hasRef ? 'reference'.padStart(11) : ''}`];
  for (const r of rows) lines.push(`${r.label.padEnd(width)}${show(r.value).padStart(10)}${hasRef ? show(r.reference).padStart(11) : ''}${r.flag ? '  <- flagged' : ''}`);
  const warns = report.flags.filter((f) => f.severity === 'warn');
  lines.push(warns.length ? `${warns.length} shortcoming(s):` : 'no shortcomings found');
  for (const f of report.flags) lines.push(`  [${f.severity}] ${f.code}: ${f.message}`);
  return lines.join('\n');
}
