// Renders a QualityReport into quality.html: one self-contained page, static tables (readable
// with scripts off) and Chart.js charts drawn by the inline client script from embedded JSON,
// using the run report's Chart.js bundle, styles and inlining rules (bench/report).
import { ATTRIBUTE_DICT, GROUP_KEY_ORDER, TASKS } from '../../pathways';
import { embedJson, escapeHtml as h, inlineScript, pageHead } from '../report';
import { buildCharts, type ChartSpec } from './charts';
import { DIVERSITY_TOLERANCE, DUPLICATE_SHARE_LIMIT, LENGTH_TOLERANCE, SKEW_MARGIN, SKEW_NOISE_FACTOR, SKEW_TVD_LIMIT, type ComparisonRow, type Flag, type Section } from './compare';
import type { QualityReport } from './report';

export interface DataReportAssets {
  /** Chart.js UMD bundle */
  chartJs: string;
  /** bench/report/client/report.css */
  baseCss: string;
  /** bench/data-report/client/data-report.js */
  clientJs: string;
  /** bench/data-report/client/data-report.css */
  css: string;
}

/** A number as the tables show it: integers plain, other values to 3 decimals. */
export function show(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);

export async function renderDataReportPage(report: QualityReport, assets: DataReportAssets): Promise<string> {
  const chartJs = inlineScript(assets.chartJs, 'the Chart.js bundle');
  const clientJs = inlineScript(assets.clientJs, 'the data report client script');
  const charts = buildCharts(report);
  const { set, reference: ref } = report;
  const title = `Data quality: ${set.file}`;
  const css = `${assets.baseCss}\n${assets.css}`;
  const section = (s: Section) => report.comparison.filter((r) => r.section === s);
  const hasRef = ref !== null;
  return `${await pageHead(title, css, [chartJs, clientJs])}
<header>
<h1>${h(title)}</h1>
<p class="sub">${set.items} item(s)${set.skipped_lines ? ` (${set.skipped_lines} invalid line(s) left out)` : ''}${
    ref ? ` · reference ${h(ref.file)} (${ref.items} items)` : ' · no reference set (pass --reference to compare)'
  }${report.pipeline ? ` · pipeline stats ${h(report.pipeline.file)}` : ''} · generated ${h(report.generated_at)}</p>
<nav><a href="#overview">Overview</a><a href="#diversity">Diversity</a><a href="#lengths">Lengths</a><a href="#attributes">Attributes</a><a href="#tasks">Tasks</a><a href="#duplicates">Near-duplicates</a>${
    report.pipeline ? '<a href="#pipeline">Pipeline</a>' : ''
  }<a href="#method">Method</a></nav>
</header>
<main>
${renderFlags(report.flags, hasRef)}
<section id="overview">
<h2>Overview</h2>
${rowsTable(section('overview'), report.flags, hasRef)}
</section>
<section id="diversity">
<h2>Lexical diversity</h2>
<p class="hint">Histories: the distinct dialogue histories (message texts, no speaker labels); requests: all but risk_detect’s fixed one; analyses: the GT analyses. The equal-size figures and Self-BLEU compare across sets of different size; whole-set distinct-n falls as a set grows.</p>
${chartBox('chart-diversity', 'wide')}
${rowsTable(section('diversity'), report.flags, hasRef)}
</section>
<section id="lengths">
<h2>Lengths</h2>
<p class="hint">Distributions as shares of each set, so sets of different size compare.</p>
<div class="chart-grid small">${charts.filter((c) => c.id.startsWith('chart-length-')).map((c) => chartBox(c.id)).join('\n')}</div>
${rowsTable(section('lengths'), report.flags, hasRef)}
</section>
<section id="attributes">
<h2>Attribute coverage</h2>
<p class="hint">Users’ attribute values against the sampling rules of the pipeline (marks: the share each value gets when valid groups are drawn uniformly, health 70/20/10). TVD: total variation distance from those shares (0 = as drawn, 1 = disjoint).</p>
${rowsTable(section('attributes'), report.flags, hasRef)}
<div class="chart-grid small">${GROUP_KEY_ORDER.map((k) => chartBox(`chart-attr-${k}`)).join('\n')}</div>
${renderAttributeValues(report)}
${renderViolations(report)}
<h3>Related attributes (GT)</h3>
<div class="chart-grid">${chartBox('chart-related-size')}${chartBox('chart-related-attrs')}</div>
</section>
<section id="tasks">
<h2>Tasks and domains</h2>
${chartBox('chart-tasks', 'wide')}
${renderTasks(report)}
</section>
<section id="duplicates">
<h2>Near-duplicates</h2>
<p class="hint">${h(set.near_duplicates.compared)}, TF-IDF over words and word pairs as the pipeline’s dedup step; pairs at cosine ≥ ${set.near_duplicates.threshold} count.</p>
${rowsTable(section('duplicates'), report.flags, hasRef)}
${renderExamples(report)}
</section>
${report.pipeline ? renderPipeline(report, charts) : ''}
${renderMethod(report)}
</main>
<script type="application/json" id="chart-data">${embedJson(charts)}</script>
<script>${chartJs}</script>
<script>${clientJs}</script>
</body>
</html>
`;
}

function chartBox(id: string, size = ''): string {
  return `<figure class="chart ${size}"><div class="chart-canvas"><canvas id="${h(id)}" role="img"></canvas></div></figure>`;
}

function renderFlags(flags: readonly Flag[], hasRef: boolean): string {
  const warns = flags.filter((f) => f.severity === 'warn');
  const note = hasRef ? '' : '<p class="hint">Diversity, task and length comparisons need a reference set (--reference).</p>';
  if (flags.length === 0) return `<aside class="flags clean" id="flags"><h3>No shortcomings found</h3>${note}</aside>`;
  const items = flags.map((f) => `<li class="${f.severity}" data-code="${h(f.code)}" data-figure="${h(f.figure)}"><b>${h(f.code.replace(/_/g, ' '))}</b>: ${h(f.message)}</li>`);
  return `<aside class="flags" id="flags"><h3>${warns.length} shortcoming(s)${flags.length > warns.length ? `, ${flags.length - warns.length} note(s)` : ''}</h3><ul>${items.join('')}</ul>${note}</aside>`;
}

function rowsTable(rows: readonly ComparisonRow[], flags: readonly Flag[], hasRef: boolean): string {
  const message = new Map(flags.map((f) => [f.figure, f.message]));
  const body = rows.map((r) => {
    const diff = hasRef && r.value !== null && r.reference !== null ? r.value - r.reference : null;
    const direction = diff === null || diff === 0 || !r.better ? '' : (diff > 0) === (r.better === 'higher') ? ' better' : ' worse';
    const refCells = hasRef ? `<td class="num">${show(r.reference)}</td><td class="num${direction}">${diff === null ? '–' : `${diff > 0 ? '+' : ''}${show(diff)}`}</td>` : '';
    const flagged = r.flag ? ` class="flagged" title="${h(message.get(r.figure) ?? r.flag)}"` : '';
    return `<tr data-figure="${h(r.figure)}"${flagged}><td>${h(r.label)}</td><td class="num">${show(r.value)}</td>${refCells}</tr>`;
  });
  return `<div class="table-wrap"><table class="figures">
<thead><tr><th>Figure</th><th class="num">This set</th>${hasRef ? '<th class="num">Reference</th><th class="num">Difference</th>' : ''}</tr></thead>
<tbody>${body.join('\n')}</tbody>
</table></div>`;
}

function renderAttributeValues(report: QualityReport): string {
  const { set, reference: ref } = report;
  const rows = GROUP_KEY_ORDER.flatMap((key) =>
    ATTRIBUTE_DICT[key].map((v, i) => {
      const a = set.attributes.per_attribute[key];
      const refCells = ref ? `<td class="num">${pct(ref.attributes.per_attribute[key].shares[v])}</td>` : '';
      return `<tr data-attribute="${h(key)}" data-value="${h(v)}">${i === 0 ? `<td rowspan="${ATTRIBUTE_DICT[key].length}"><b>${h(key)}</b></td>` : ''}<td>${h(v)}</td><td class="num">${a.counts[v]}</td><td class="num">${pct(a.shares[v])}</td><td class="num">${pct(a.expected_shares[v])}</td>${refCells}</tr>`;
    }),
  );
  return `<details><summary>Every attribute value</summary><div class="table-wrap"><table class="attribute-values">
<thead><tr><th>Attribute</th><th>Value</th><th class="num">Items</th><th class="num">Share</th><th class="num">Sampling rules</th>${ref ? '<th class="num">Reference</th>' : ''}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div></details>`;
}

function renderViolations(report: QualityReport): string {
  const reasons = Object.entries(report.set.attributes.rule_violations.reasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length === 0) return '<p class="hint">Every user attribute group follows the sampling rules.</p>';
  return `<h3>Sampling rules broken</h3><div class="table-wrap"><table class="violations"><thead><tr><th>Rule</th><th class="num">Items</th></tr></thead><tbody>${reasons
    .map(([r, n]) => `<tr><td>${h(r)}</td><td class="num">${n}</td></tr>`)
    .join('')}</tbody></table></div>`;
}

function renderTasks(report: QualityReport): string {
  const { set, reference: ref } = report;
  const flagged = new Set(report.flags.filter((f) => f.code === 'domain_coverage').map((f) => f.figure));
  const domains = (q: typeof set, task: string) => {
    const d = q.tasks.domains[task];
    return d ? `${d.covered} / ${d.listed}${d.unlisted.length ? ` (+${d.unlisted.length} unlisted)` : ''}` : '–';
  };
  const rows = TASKS.map((t) => {
    const cls = flagged.has(`tasks.domains.${t}`) ? ' class="flagged"' : '';
    return `<tr data-task="${t}"${cls}><td>${t}</td><td class="num">${set.tasks.counts[t]}</td><td class="num">${domains(set, t)}</td>${
      ref ? `<td class="num">${ref.tasks.counts[t]}</td><td class="num">${domains(ref, t)}</td>` : ''
    }</tr>`;
  });
  return `<div class="table-wrap"><table class="tasks"><thead><tr><th>Task</th><th class="num">Items</th><th class="num">Domains used / listed</th>${
    ref ? '<th class="num">Reference items</th><th class="num">Reference domains</th>' : ''
  }</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

function renderExamples(report: QualityReport): string {
  const ex = report.set.near_duplicates.examples;
  if (ex.length === 0) return '<p class="hint">No pair reaches the threshold.</p>';
  return `<h3>Most similar pairs</h3><div class="table-wrap"><table class="examples"><thead><tr><th>Task</th><th class="num">Items (index)</th><th class="num">Cosine</th><th>First</th><th>Second</th></tr></thead><tbody>${ex
    .map((e) => `<tr><td>${h(e.task)}</td><td class="num">${e.index_a} · ${e.index_b}</td><td class="num">${e.similarity.toFixed(4)}</td><td class="text">${h(e.text_a)}</td><td class="text">${h(e.text_b)}</td></tr>`)
    .join('\n')}</tbody></table></div>`;
}

function renderPipeline(report: QualityReport, charts: readonly ChartSpec[]): string {
  const p = report.pipeline!;
  const steps = p.steps.map((s) => {
    const reasons = Object.entries(s.drop_reasons).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ');
    return `<tr data-step="${h(s.step)}"><td>${h(s.step)}</td><td class="num">${s.units}</td><td class="num">${s.model_calls}</td><td class="num">${s.passed}</td><td class="num">${pct(s.pass_rate)}</td><td class="num">${s.dropped}</td><td class="num">${pct(s.drop_rate)}</td><td class="num">${s.parse_failures}</td><td class="num">${pct(s.parse_failure_rate)}</td><td>${h(reasons)}</td></tr>`;
  });
  const hi = p.histories;
  const histories = hi
    ? `<h3>Histories</h3><div class="table-wrap"><table class="pipeline-histories"><tbody>
<tr data-figure="exam_pass_rate"><td>Exam pass rate (rounds whose attribute could be inferred implicitly)</td><td class="num">${pct(hi.exam_pass_rate)}</td><td class="num">${hi.exams_passed} / ${hi.exams}</td></tr>
<tr data-figure="regenerations"><td>Rounds regenerated / improved after a failed exam</td><td class="num">${hi.regenerations}</td><td class="num">${hi.improvements}</td></tr>
<tr data-figure="consistency_failures"><td>Sets dropped by the consistency check / of checks</td><td class="num">${hi.consistency_failures}</td><td class="num">${hi.consistency_checks}</td></tr>
<tr data-figure="exam_failures"><td>Sets dropped after the retry budget / of sets</td><td class="num">${hi.exam_failures}</td><td class="num">${hi.sets_dropped} dropped of ${hi.sets}</td></tr>
</tbody></table></div>`
    : '';
  const extra = [p.dedup ? `dedup: ${h(p.dedup.method)}, threshold ${p.dedup.threshold}, ${p.dedup.duplicates} removed` : '', p.items ? `items: ${p.items.dataset ?? '–'} (train ${p.items.train ?? '–'}, test ${p.items.test ?? '–'})` : '']
    .filter(Boolean)
    .join(' · ');
  return `<section id="pipeline">
<h2>Pipeline</h2>
<p class="hint">From ${h(p.file)}${p.model ? ` (model ${h(p.model)})` : ''}${p.finished === false ? ', an unfinished run' : ''}. ${extra}</p>
${charts.some((c) => c.id === 'chart-pipeline') ? chartBox('chart-pipeline', 'wide') : ''}
<div class="table-wrap"><table class="pipeline-steps"><thead><tr><th>Step</th><th class="num">Units</th><th class="num">Model calls</th><th class="num">Passed</th><th class="num">Pass rate</th><th class="num">Dropped</th><th class="num">Drop rate</th><th class="num">Parse failures</th><th class="num">of calls</th><th>Drop reasons</th></tr></thead>
<tbody>${steps.join('\n')}</tbody></table></div>
${histories}
</section>`;
}

function renderMethod(report: QualityReport): string {
  const s = report.settings;
  const items: Array<[string, string]> = [
    ['Words', 'lower-cased runs of letters and digits (an inner apostrophe keeps a word whole); punctuation is not counted'],
    ['distinct-n', 'distinct n-grams / all n-grams, n-grams never crossing two texts (Li et al. 2016)'],
    ['Equal-size windows', `texts in a seeded order (seed ${s.seed}) cut into consecutive ${s.window_tokens}-token windows; type-token ratio and distinct-2/3 per window, averaged; a shorter last window is left out`],
    ['Self-BLEU-4', `BLEU-4 (NLTK sentence_bleu, uniform weights, smoothing method1) of each text against the others, averaged, on a seeded sample of at most ${s.self_bleu_sample} texts, the same size for both sets; computed exactly in one pass over the n-grams`],
    ['Sampling rules', 'child/teenager: student, low income; elderly: retiree, low income; other ages never student or retiree; student/driver/cleaner never high income; farmer never urban; health 70/20/10'],
    ['Near-duplicates', `the dedup step’s TF-IDF cosine at ${s.near_duplicate_threshold}, within a task; “would drop” runs the step’s own greedy pass`],
    [
      'Flags',
      `near-duplicates above the reference’s share + ${DUPLICATE_SHARE_LIMIT * 100}% of items; attribute TVD above ${SKEW_TVD_LIMIT}, ${SKEW_NOISE_FACTOR}× sampling noise and the reference’s + ${SKEW_MARGIN}; equal-size diversity ${DIVERSITY_TOLERANCE * 100}% below (Self-BLEU ${DIVERSITY_TOLERANCE * 100}% above) the reference’s; mean lengths ${LENGTH_TOLERANCE * 100}% off the reference’s (note)`,
    ],
  ];
  return `<section id="method"><h2>Method</h2><dl class="method">${items.map(([t, d]) => `<dt>${h(t)}</dt><dd>${h(d)}</dd>`).join('')}</dl></section>`;
}
