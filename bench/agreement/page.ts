// agreement.html: the judge-agreement numbers as static tables and one scatter plot per
// sub-score (local judge vs GPT-4o per model and task), one self-contained offline page built
// with the run report's Chart.js bundle, styles and inlining rules (bench/report).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JUDGE_MAX, JUDGE_SCORE_NAMES } from '../../scorers';
import { writeFileAtomic } from '../atomic-write';
import { embedJson, escapeHtml as h, inlineScript, pageHead, SERIES_COLORS } from '../report';
import { loadPageAssets } from '../report/node';
import type { AgreementReport } from './judge-agreement';

export interface AgreementPageAssets {
  chartJs: string;
  css: string;
  /** bench/agreement/client/agreement.js */
  clientJs: string;
}

/** One scatter per sub-score: what the client hands to Chart.js. */
export interface ScatterSpec {
  id: string;
  title: string;
  max: number;
  series: Array<{ label: string; color: string; points: Array<{ x: number; y: number; task: string }> }>;
}

const num = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

export function scatterSpecs(report: AgreementReport): ScatterSpec[] {
  const models = report.models.map((m) => m.model);
  return JUDGE_SCORE_NAMES.map((score) => ({
    id: `scatter-${score.replace(/\W+/g, '-').toLowerCase()}`,
    title: `${score}: local judge vs GPT-4o (r = ${num(report.scores[score].pearson)}, ρ = ${num(report.scores[score].spearman)})`,
    max: JUDGE_MAX[score],
    series: models.map((model, i) => ({
      label: report.models[i].label,
      color: SERIES_COLORS[i % SERIES_COLORS.length],
      points: report.cells
        .filter((c) => c.model === model && c.official[score] !== undefined && c.local[score] !== undefined)
        .map((c) => ({ x: c.official[score]!, y: c.local[score]!, task: c.task })),
    })),
  }));
}

export async function renderAgreementPage(report: AgreementReport, assets: AgreementPageAssets): Promise<string> {
  const chartJs = inlineScript(assets.chartJs, 'the Chart.js bundle');
  const clientJs = inlineScript(assets.clientJs, 'the agreement client script');
  const title = `Judge agreement: ${report.judge.model} vs GPT-4o-Score`;
  const specs = scatterSpecs(report);
  const statRows = JUDGE_SCORE_NAMES.map((s) => {
    const a = report.scores[s];
    return `<tr><td>${h(s)}</td><td class="num">0–${JUDGE_MAX[s]}</td><td class="num">${a.numCells}</td><td class="num">${num(a.pearson)}</td><td class="num">${num(a.spearman)}</td><td class="num">${num(
      a.kendallModels,
    )}</td><td class="num">${a.meanBias === null ? '–' : `${a.meanBias > 0 ? '+' : ''}${a.meanBias.toFixed(2)}`}</td></tr>`;
  });
  const modelRows = report.models.map((m) => {
    const total = report.scores.Total.models.find((x) => x.model === m.model);
    const outcomes = Object.entries(m.failuresByOutcome).map(([k, v]) => `${k} ${v}`).join(', ');
    return `<tr><td>${h(m.label)} <small>(${h(m.model)})</small></td><td class="num">${m.judged}</td><td class="num${m.failures > 0 ? ' warn' : ''}">${m.failures}</td><td class="num">${(
      m.failureRate * 100
    ).toFixed(1)}%</td><td><small>${h(outcomes || '–')}</small></td><td class="num">${num(total?.official, 2)}</td><td class="num">${num(total?.local, 2)}</td></tr>`;
  });
  const cellRows = report.cells.map(
    (c) =>
      `<tr><td>${h(c.model)}</td><td>${h(c.task)}</td><td class="num">${c.judged}</td><td class="num">${c.failures}</td>${JUDGE_SCORE_NAMES.map(
        (s) => `<td class="num">${num(c.official[s], 2)}</td><td class="num">${num(c.local[s], 2)}</td>`,
      ).join('')}</tr>`,
  );
  const manifest: Array<[string, string]> = [
    ['Judge', report.judge.model],
    ['Judge revision', report.judge.revision ?? 'not recorded (remote backend)'],
    ['Items judged', `${report.sample === 'all' ? 'all items' : 'every 10th item, as the paper'}${report.perTask !== null ? `, at most ${report.perTask} per task` : ''}`],
    ['Data file', `${report.data.file}\nsha256 ${report.data.sha256}`],
    ['Official table', `${report.reference.file} (${report.reference.dataset})\nsha256 ${report.reference.sha256}`],
    ...report.models.map((m): [string, string] => [`Outputs: ${m.label}`, `${m.file}\nsha256 ${m.sha256}`]),
    ['Command line', report.commandLine ?? 'not recorded'],
    ['Generated', report.generatedAt],
  ];
  return `${await pageHead(title, assets.css, [chartJs, clientJs])}
<header>
<h1>${h(title)}</h1>
<p class="sub">The paper’s published direct-response outputs of ${report.models.length} model(s), judged locally and compared with the official GPT-4o-Score per model and task · parse failures ${(
    report.parseFailureRate * 100
  ).toFixed(1)}%</p>
<nav><a href="#agreement">Agreement</a><a href="#failures">Parse failures</a><a href="#scatter">Scatter plots</a><a href="#cells">Cells</a><a href="#manifest">Manifest</a></nav>
</header>
<main>
${report.notes.length > 0 ? `<aside class="notes"><h3>Notes</h3><ul>${report.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul></aside>` : ''}
<section id="agreement">
<h2>Agreement per sub-score</h2>
<p class="hint">Over (model, task) cells: Pearson r and Spearman ρ between the official GPT-4o means (10 judged items per cell) and the local judge’s; Kendall τ-b between the models ordered by their mean over tasks; mean bias = local − GPT-4o (positive: a more lenient judge). Local means are over the replies with a usable score (failures are counted below, never averaged in; the official script divided by 10 whatever GPT-4o returned). “–”: undefined (fewer than 2 cells, no spread, or no usable reply).</p>
<div class="table-wrap"><table class="agreement">
<thead><tr><th>Score</th><th class="num">Range</th><th class="num">Cells</th><th class="num">Pearson r</th><th class="num">Spearman ρ</th><th class="num">Kendall τ (models)</th><th class="num">Mean bias</th></tr></thead>
<tbody>${statRows.join('\n')}</tbody>
</table></div>
</section>
<section id="failures">
<h2>Parse failures and model ranking</h2>
<p class="hint">Replies without a usable total (scorers/judge.ts): counted per model. Total: each model’s mean over tasks, by GPT-4o and by the local judge.</p>
<div class="table-wrap"><table class="models">
<thead><tr><th>Model</th><th class="num">Judged</th><th class="num">Failures</th><th class="num">Rate</th><th>Kinds</th><th class="num">Total (GPT-4o)</th><th class="num">Total (local)</th></tr></thead>
<tbody>${modelRows.join('\n')}</tbody>
</table></div>
</section>
<section id="scatter">
<h2>Scatter plots</h2>
<p class="hint">One point per model and task; the diagonal is perfect agreement.</p>
<div class="chart-grid">
${specs.map((s) => `<figure class="chart"><div class="chart-canvas"><canvas id="${h(s.id)}" role="img" aria-label="${h(s.title)}"></canvas></div></figure>`).join('\n')}
</div>
</section>
<section id="cells">
<h2>Cells</h2>
<div class="table-wrap"><table class="cells">
<thead><tr><th>Model</th><th>Task</th><th class="num">Judged</th><th class="num">Failures</th>${JUDGE_SCORE_NAMES.map((s) => `<th class="num">${h(s)} GPT-4o</th><th class="num">${h(s)} local</th>`).join('')}</tr></thead>
<tbody>${cellRows.join('\n')}</tbody>
</table></div>
</section>
<section id="manifest">
<h2>Manifest</h2>
<div class="table-wrap"><table class="manifest"><tbody>${manifest.map(([k, v]) => `<tr><th scope="row">${h(k)}</th><td><code>${h(v)}</code></td></tr>`).join('\n')}</tbody></table></div>
</section>
</main>
<script type="application/json" id="scatter-data">${embedJson(specs)}</script>
<script>${chartJs}</script>
<script>${clientJs}</script>
</body>
</html>
`;
}

export async function loadAgreementAssets(): Promise<AgreementPageAssets> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const [base, clientJs] = await Promise.all([loadPageAssets(), readFile(path.join(here, 'client', 'agreement.js'), 'utf8')]);
  return { chartJs: base.chartJs, css: base.css, clientJs };
}

export async function writeAgreementPage(file: string, report: AgreementReport): Promise<void> {
  writeFileAtomic(file, await renderAgreementPage(report, await loadAgreementAssets()));
}
