// The "Differences" section of a comparison page: per task and metric the difference of each
// later run from the first, with its 95% bootstrap interval (bench/runlog/paired.ts), marked
// where the interval excludes zero. Browser-safe.
import { COMPARED_METRICS, type ComparedMetric, type Difference } from '../runlog';
import { escapeHtml as h, fmt, fmtInterval } from './html';
import { METRIC_LABELS } from './names';
import type { ComparisonData, ReportData } from './types';

const LABELS: Readonly<Record<ComparedMetric, string>> = { ...METRIC_LABELS, judge_total: 'Judge total' };

export function renderComparisons(data: ReportData): string {
  if (data.comparisons.length === 0) return '';
  return `<section id="differences">
<h2>Differences</h2>
<p class="hint">Each later run minus the first, per task and metric (B − A). Runs that share items are compared item by item (paired); the interval is a 95% bootstrap over the items’ differences (2,000 resamples, within each task; “all items” resamples within every task). ▲/▼ marks an interval that excludes zero. With 10 tasks and 4 metrics, about 2 of 40 task intervals exclude zero by chance when nothing differs: a single task cell is weak evidence; the “all items” row is the main test.</p>
${data.comparisons.map((c) => comparisonTable(data, c)).join('\n')}
</section>`;
}

function comparisonTable(data: ReportData, c: ComparisonData): string {
  const a = data.series[c.a];
  const b = data.series[c.b];
  const metrics = COMPARED_METRICS.filter((m) => c.overall[m] !== undefined);
  const head = metrics.map((m) => `<th class="num">${h(LABELS[m])}</th>`).join('');
  const rows = data.tasks
    .filter((t) => c.tasks[t])
    .map((t) => `<tr><td>${h(t)}</td>${metrics.map((m) => cell(c.tasks[t][m])).join('')}</tr>`);
  rows.push(`<tr class="total"><td>all items</td>${metrics.map((m) => cell(c.overall[m])).join('')}</tr>`);
  return `<h3>${h(b.label)} − ${h(a.label)}</h3>
<p class="pairing ${c.mode}">${h(pairingNote(c))}</p>
<div class="table-wrap"><table class="differences" data-csv="differences ${h(b.label)} minus ${h(a.label)}" data-mode="${c.mode}">
<thead><tr><th>Task</th>${head}</tr></thead>
<tbody>${rows.join('\n')}</tbody>
</table></div>`;
}

function pairingNote(c: ComparisonData): string {
  if (c.mode === 'unpaired') {
    return `Unpaired: the runs share no items (${c.onlyA} and ${c.onlyB} items), so each run's items are resampled on their own and the interval is that of the difference of the two means; item difficulty does not cancel out.`;
  }
  const extra = c.onlyA + c.onlyB > 0 ? ` (${c.onlyA} item(s) only in the first run and ${c.onlyB} only in this one are left out)` : '';
  return `Paired over the ${c.shared} items both runs have${extra}.`;
}

function cell(d: Difference | undefined): string {
  if (!d) return '<td class="num">–</td>';
  const mark = d.significant ? (d.diff > 0 ? ' ▲' : ' ▼') : '';
  const cls = d.significant ? (d.diff > 0 ? ' sig-up' : ' sig-down') : '';
  const title = `A ${fmt(d.meanA, 3)} (n ${d.nA}), B ${fmt(d.meanB, 3)} (n ${d.nB})${d.leftOut > 0 ? `; ${d.leftOut} item(s) left out (official NaN or no usable judge total)` : ''}`;
  const diff = `${d.diff > 0 ? '+' : ''}${fmt(d.diff, 3)}`;
  const ci = fmtInterval(d.ci95, 3);
  return `<td class="num${cls}" title="${h(title)}" data-significant="${d.significant}">${diff}${mark}${ci ? `<small class="ci">${ci}</small>` : ''}</td>`;
}
