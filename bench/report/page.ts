// Renders ReportData into the one-file HTML page. Tables are static HTML (readable even
// with scripts off); charts and the sample browser are built by the inline client script
// from the embedded JSON.
import type { MetricName } from '../runlog';
import { renderComparisons } from './comparison-html';
import { packData } from './embed';
import { renderEndpoints } from './endpoints';
import { escapeHtml as h, fmt, fmtInterval, inlineScript, meanWithInterval, pageHead } from './html';
import { renderManifest } from './manifest-html';
import { JUDGE_NAMES, METRIC_LABELS } from './names';
import { renderSampleBrowser } from './samples-html';
import type { ReportData, RunSummary, SeriesData } from './types';

export interface PageAssets {
  /** Chart.js UMD bundle. */
  chartJs: string;
  /** bench/report/client/report.js */
  clientJs: string;
  /** bench/report/client/samples.js (the sample browser; runs after report.js) */
  samplesJs: string;
  /** bench/report/client/report.css */
  css: string;
}

/** The page, the same in Node and the browser (the CSP hashes come from Web Crypto). Only its three scripts may run. */
export async function renderPage(data: ReportData, assets: PageAssets): Promise<string> {
  const chartJs = inlineScript(assets.chartJs, 'the Chart.js bundle');
  const clientJs = inlineScript(assets.clientJs, 'the report client script');
  const samplesJs = inlineScript(assets.samplesJs, 'the sample browser script');
  const hasJudge = data.series.some((s) => s.judge);
  const endpoints = renderEndpoints(data.runs);
  const judgeEndpoints = renderEndpoints(data.runs.map((r) => ({ label: r.label, endpoints: r.judgeEndpoints })), 'judge');
  return `${await pageHead(data.title, assets.css, [chartJs, clientJs, samplesJs])}
<header>
<h1>${h(data.title)}</h1>
<p class="sub">Generated ${h(data.generatedAt)} · ${data.runs.length} run(s) · ${data.series.length} pathway series · ${data.items.length} item(s)${
    data.reference.length > 0 ? ` · ${data.reference.length} reference row(s) from the paper` : ''
  }</p>
<nav>
<a href="#manifest">Manifest</a>${endpoints ? '<a href="#endpoints">Endpoints</a>' : ''}${judgeEndpoints ? '<a href="#judge-endpoints">Judge endpoints</a>' : ''}<a href="#summary">Summary</a>${data.comparisons.length > 0 ? '<a href="#differences">Differences</a>' : ''}<a href="#sums">Per-task sums</a><a href="#per-task">Per-task charts</a><a href="#pathways">Pathways</a><a href="#scatter">ATF vs RVA</a>${
    hasJudge ? '<a href="#judge">Judge</a>' : ''
  }<a href="#samples">Samples</a>
</nav>
</header>
<main>
${renderManifest(data.runs)}
${renderRuns(data.runs)}
${endpoints}
${judgeEndpoints}
${renderNotes(data.notes)}
${renderHeadline(data)}
${renderComparisons(data)}
${renderSums(data)}
<section id="per-task">
<h2>Per-task metrics</h2>
<p class="hint">Bars: mean × 100 per task (equal to the official sum when a task has 100 items); whiskers: its 95% bootstrap interval.${
    data.reference.length > 0 ? ' Short lines over the bars: the paper’s per-task sums for the same pathway, one colour per paper model (click its legend entry to hide or show it).' : ''
  }</p>
<div class="chart-grid">
${data.metricNames.map((m) => chartBox(`chart-metric-${m}`, METRIC_LABELS[m])).join('\n')}
</div>
</section>
<section id="pathways">
<h2>Pathway comparison</h2>
<p class="hint">Overall mean × 100 of each metric, one bar per ${data.runs.length > 1 ? 'run and pathway' : 'pathway'}; whiskers: 95% bootstrap interval.</p>
${chartBox('chart-pathways', 'Pathway comparison', 'wide')}
</section>
<section id="scatter">
<h2>Attribute F1 vs relative value accuracy</h2>
<p class="hint">One point per item. ${data.series.map((s) => `${h(s.label)}: Pearson r = ${fmt(s.pearson, 3)}`).join(' · ')}</p>
${chartBox('chart-atf-rva', 'ATF vs RVA', 'wide')}
</section>
${hasJudge ? renderJudge(data) : ''}
${renderSampleBrowser(data)}
</main>
<script type="application/octet-stream" id="report-data" data-encoding="gzip+base64">${await packData(data)}</script>
<script>${chartJs}</script>
<script>${clientJs}</script>
<script>${samplesJs}</script>
</body>
</html>
`;
}

function chartBox(id: string, label: string, size = ''): string {
  return `<figure class="chart ${size}"><div class="chart-canvas"><canvas id="${h(id)}" role="img" aria-label="${h(label)}"></canvas></div></figure>`;
}

function renderRuns(runs: readonly RunSummary[]): string {
  const rows = runs.map((r) => {
    const tps = r.stats.tokens_per_second > 0 ? `${fmt(r.stats.tokens_per_second, 1)} tok/s` : '–';
    return `<tr><td><b>${h(r.label)}</b></td><td>${h(r.model)}${r.modelRevision ? `<br><small>${h(r.modelRevision)}</small>` : ''}</td><td>${h(r.backend)} · ${h(
      r.engine,
    )}<br><small>${h(r.device)}</small></td><td><span class="status status-${h(r.status)}">${h(r.status)}</span>${
      r.error ? `<br><small class="error">${h(r.error)}</small>` : ''
    }</td><td>${r.stats.items_done} / ${r.stats.items_total}</td><td>${tps}<br><small>${r.stats.completion_tokens} generated</small></td><td>${h(
      r.startedAt,
    )}${r.finishedAt ? `<br><small>→ ${h(r.finishedAt)}</small>` : ''}</td><td><small>${h(r.dataFile)}${
      r.perTask !== null ? ` · ${r.perTask}/task` : ''
    }<br>${h(r.promptMode)} · T=${fmt(r.sampling.temperature, 2)}${r.judgeModel ? ` · judge ${h(r.judgeModel)}` : ''}</small></td></tr>`;
  });
  return `<section id="runs">
<h2>Run${runs.length > 1 ? 's' : ''}</h2>
<div class="table-wrap"><table>
<thead><tr><th>Run</th><th>Model</th><th>Backend / device</th><th>Status</th><th>Items</th><th>Speed</th><th>Time</th><th>Data / settings</th></tr></thead>
<tbody>${rows.join('\n')}</tbody>
</table></div>
</section>`;
}

function renderNotes(notes: readonly string[]): string {
  if (notes.length === 0) return '';
  return `<aside class="notes"><h3>Notes</h3><ul>${notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul></aside>`;
}

function swatch(color: string): string {
  return `<span class="swatch" style="background:${h(color)}"></span>`;
}

function renderHeadline(data: ReportData): string {
  const hasJudge = data.series.some((s) => s.judge);
  const metricHeads = data.metricNames.map((m) => `<th class="num">${h(METRIC_LABELS[m])}</th>`).join('');
  const rows = data.series.map((s) => {
    const cells = data.metricNames.map((m) => `<td class="num">${meanWithInterval(s.overall.mean[m], s.overall.ci95?.[m])}</td>`).join('');
    const judge = hasJudge ? `<td class="num">${s.judge?.overall ? meanWithInterval(s.judge.overall.mean.Total, s.judge.overall.ci95?.Total, 2) : '–'}</td>` : '';
    return `<tr><td>${swatch(s.color)}${h(s.label)}</td><td class="num">${s.overall.count}</td>${cells}<td class="num">${fmt(
      s.pearson,
      3,
    )}</td>${judge}<td class="num" title="${h(parseTitle(s))}">${s.overall.parse.status.failed} / ${s.overall.parse.status.partial}</td><td class="num">${s.numErrors}</td></tr>`;
  });
  const refRows = data.reference.map((r) => {
    const cells = data.metricNames.map((m) => `<td class="num">${fmt(r.overallMean[m], 3)}</td>`).join('');
    const judge = hasJudge ? `<td class="num">${r.judge ? fmt(meanOf(Object.values(r.judge).map((j) => j.Total)), 2) : '–'}</td>` : '';
    return `<tr class="ref"><td>${swatch(r.color)}${h(r.label)}</td><td class="num">100/task</td>${cells}<td class="num">–</td>${judge}<td class="num">–</td><td class="num">–</td></tr>`;
  });
  return `<section id="summary">
<h2>Summary</h2>
<p class="hint">Overall means over all items (0–1), each with its 95% bootstrap interval below it (2,000 resamples within each task; none for fewer than 2 items per task); “–” is the official NaN (a rank answer repeating one option makes its task’s values NaN, as in the official scoring). Pearson r: attribute F1 vs relative value accuracy across items. Unparsed: responses with neither analysis nor answer found / with one of them.</p>
<div class="table-wrap"><table class="headline" data-csv="summary">
<thead><tr><th>Pathway</th><th class="num">Items</th>${metricHeads}<th class="num">Pearson r</th>${
    hasJudge ? '<th class="num">Judge total</th>' : ''
  }<th class="num">Unparsed</th><th class="num">Errors</th></tr></thead>
<tbody>${rows.join('\n')}${refRows.length > 0 ? `\n${refRows.join('\n')}` : ''}</tbody>
</table></div>
</section>`;
}

function parseTitle(s: SeriesData): string {
  const m = s.overall.parse.missing;
  return `responses missing attributes: ${m.attributes}, analysis: ${m.analysis}, answer: ${m.answer}`;
}

function meanOf(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function renderSums(data: ReportData): string {
  const counts = new Set(data.series.flatMap((s) => Object.values(s.tasks).map((t) => t.count)));
  const note =
    data.reference.length > 0 && !(counts.size === 1 && counts.has(100))
      ? ' The paper’s rows sum 100 items per task; ours sum the items listed (n), so compare the charts (mean × 100) when n ≠ 100.'
      : '';
  const tables = data.metricNames.map((m) => sumTable(data, m)).join('\n');
  return `<section id="sums">
<h2>Official per-task sums</h2>
<p class="hint">Per task the SUM over its items, rounded to 2 decimals, as the paper aggregates; “avg” is the mean of the task sums.${note}</p>
${tables}
</section>`;
}

function sumTable(data: ReportData, metric: MetricName): string {
  const head = data.tasks.map((t) => `<th class="num">${h(t)}</th>`).join('');
  const rows = data.series.map((s) => {
    const sums = data.tasks.map((t) => s.tasks[t]?.sum[metric]);
    const cells = data.tasks
      .map((t) => {
        const e = s.tasks[t];
        const ci = fmtInterval(e?.ci95?.[metric], 3);
        return e ? `<td class="num" title="n=${e.count}, mean=${fmt(e.mean[metric], 3)}${ci ? `, 95% CI of the mean ${ci}` : ''}">${fmt(e.sum[metric])}</td>` : '<td class="num">–</td>';
      })
      .join('');
    return `<tr><td>${swatch(s.color)}${h(s.label)}</td><td class="num">${taskCounts(s)}</td>${cells}<td class="num">${fmt(
      meanOf(sums.filter((v): v is number => v !== undefined)),
    )}</td></tr>`;
  });
  const refRows = data.reference.map((r) => {
    const sums = data.tasks.map((t) => r.tasks[t]?.[metric]);
    const cells = sums.map((v) => `<td class="num">${fmt(v)}</td>`).join('');
    return `<tr class="ref"><td>${swatch(r.color)}${h(r.label)}</td><td class="num">100</td>${cells}<td class="num">${fmt(
      meanOf(sums.filter((v): v is number => v !== undefined)),
    )}</td></tr>`;
  });
  return `<h3>${h(METRIC_LABELS[metric])}</h3>
<div class="table-wrap"><table class="sums" data-metric="${h(metric)}" data-csv="sums ${h(metric)}">
<thead><tr><th>Pathway</th><th class="num">n/task</th>${head}<th class="num">avg</th></tr></thead>
<tbody>${[...rows, ...refRows].join('\n')}</tbody>
</table></div>`;
}

/** "4" when every task has the same count, else "3–4". */
function taskCounts(s: SeriesData): string {
  const counts = Object.values(s.tasks).map((t) => t.count);
  if (counts.length === 0) return '0';
  const lo = Math.min(...counts);
  const hi = Math.max(...counts);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

function renderJudge(data: ReportData): string {
  const judged = data.series.filter((s) => s.judge);
  const refs = data.reference.filter((r) => r.judge);
  const head = data.tasks.map((t) => `<th class="num">${h(t)}</th>`).join('');
  const totalRows = judged.map((s) => {
    const j = s.judge!;
    const cells = data.tasks.map((t) => {
      const e = j.tasks[t];
      return e ? `<td class="num" title="n=${e.count}${e.ci95?.Total ? `, 95% CI ${fmtInterval(e.ci95.Total)}` : ''}">${fmt(e.mean.Total)}</td>` : '<td class="num">–</td>';
    });
    return `<tr><td>${swatch(s.color)}${h(s.label)}</td>${cells.join('')}<td class="num">${fmt(j.overall?.mean.Total)}</td><td class="num${
      j.overall.failures > 0 ? ' warn' : ''
    }">${j.overall.failures}</td></tr>`;
  });
  const refRows = refs.map((r) => {
    const cells = data.tasks.map((t) => `<td class="num">${fmt(r.judge![t]?.Total)}</td>`);
    const totals = data.tasks.map((t) => r.judge![t]?.Total).filter((v): v is number => v !== undefined);
    return `<tr class="ref"><td>${swatch(r.color)}${h(r.label)}</td>${cells.join('')}<td class="num">${fmt(meanOf(totals))}</td><td class="num">–</td></tr>`;
  });
  // One series: its full table is the point of the section; several: collapsed under the overview.
  const open = judged.length === 1 ? ' open' : '';
  const perSeries = judged.map((s) => {
    const j = s.judge!;
    const rows = data.tasks
      .filter((t) => j.tasks[t])
      .map((t) => {
        const e = j.tasks[t];
        return `<tr><td>${h(t)}</td><td class="num">${e.count}</td>${JUDGE_NAMES.map((n) => `<td class="num">${meanWithInterval(e.mean[n], e.ci95?.[n], 2)}</td>`).join('')}</tr>`;
      });
    const overall = j.overall
      ? `<tr class="total"><td>all tasks</td><td class="num">${j.overall.count}</td>${JUDGE_NAMES.map((n) => `<td class="num">${meanWithInterval(j.overall.mean[n], j.overall.ci95?.[n], 2)}</td>`).join('')}</tr>`
      : '';
    const failures =
      j.overall.failures > 0
        ? `<p class="judge-failures warn">${j.overall.failures} judge failure(s) (no usable total), not averaged in: ${h(j.failed_items.join(', '))}</p>`
        : '<p class="judge-failures">No judge failures.</p>';
    return `<details class="judge-detail"${open}><summary>${swatch(s.color)}${h(s.label)}: all five scores per task</summary>
<div class="table-wrap"><table class="judge" data-series="${h(s.id)}" data-csv="judge ${h(s.label)}">
<thead><tr><th>Task</th><th class="num">n</th>${JUDGE_NAMES.map((n) => `<th class="num">${h(n)}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}${overall}</tbody>
</table></div>
${failures}
</details>`;
  });
  return `<section id="judge">
<h2>Judge scores</h2>
<p class="hint">Per-task means of the local judge (the paper’s GPT-4o-Score rubric): Conciseness 0–1, Personalization 0–4, Analysis Quality 0–4, Answer Accuracy 0–5, Total 0–14. Replies without a usable total are failures: counted, listed, never averaged in.${
    refs.length > 0 ? ' Reference rows and chart marks: the paper’s GPT-4o-Score totals.' : ''
  }</p>
${chartBox('chart-judge', 'Judge total per task', 'wide')}
<h3>Total per task</h3>
<div class="table-wrap"><table class="judge-totals" data-csv="judge totals">
<thead><tr><th>Pathway</th>${head}<th class="num">all</th><th class="num">failures</th></tr></thead>
<tbody>${[...totalRows, ...refRows].join('\n')}</tbody>
</table></div>
${perSeries.join('\n')}
</section>`;
}
