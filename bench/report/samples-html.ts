// The sample browser's static frame; the inline client (client/report.js) fills it from the
// embedded JSON. Browser-safe.
import { escapeHtml as h } from './html';
import { METRIC_LABELS } from './names';
import type { ReportData } from './types';

export function renderSampleBrowser(data: ReportData): string {
  const hasJudge = data.items.some((it) => it.judge);
  const metricOptions = data.metricNames.map((m) => `<option value="${h(m)}">${h(METRIC_LABELS[m])}</option>`).join('');
  const sortOptions = [
    '<option value="">task, then item</option>',
    metricOptions,
    hasJudge ? '<option value="judge">Judge total</option>' : '',
    '<option value="completionTokens">Generated tokens</option>',
    '<option value="latencyMs">Latency</option>',
  ].join('');
  return `<section id="samples">
<h2>Sample browser</h2>
<form class="filters" id="filters" autocomplete="off">
<label>Task <select id="filter-task"><option value="">all tasks</option></select></label>
<label>Pathway <select id="filter-series"><option value="">all</option></select></label>
<label>Parts <select id="filter-parts">
<option value="">any</option>
<option value="complete">all parts extracted</option>
<option value="missing-any">some part missing</option>
<option value="missing-attributes">attributes missing</option>
<option value="missing-analysis">analysis missing</option>
<option value="missing-answer">answer missing</option>
<option value="problems">missing part, error or judge failure</option>
<option value="error">generation error</option>
${hasJudge ? '<option value="judge-failed">judge failure</option>' : ''}
</select></label>
<label>Metric <select id="filter-metric">${metricOptions}</select></label>
<label>min <input id="filter-min" type="number" step="0.01" inputmode="decimal" size="5"></label>
<label>max <input id="filter-max" type="number" step="0.01" inputmode="decimal" size="5"></label>
${
  hasJudge
    ? `<label>Judge total min <input id="filter-judge-min" type="number" step="1" min="0" max="14" size="4"></label>
<label>max <input id="filter-judge-max" type="number" step="1" min="0" max="14" size="4"></label>`
    : ''
}
<label class="grow">Search <input id="filter-text" type="search" placeholder="text in prompt and response"></label>
<label>in <select id="filter-scope"><option value="both">prompt + response</option><option value="response">response</option><option value="prompt">prompt</option><option value="all">everything (GT, extracted, judge)</option></select></label>
<label class="check"><input id="filter-regex" type="checkbox"> regex</label>
<label>Sort <select id="filter-sort">${sortOptions}</select></label>
<label>Order <select id="filter-dir"><option value="desc">high first</option><option value="asc">low first</option></select></label>
<div class="buttons"><button type="button" id="filter-reset">Reset</button><button type="button" id="export-csv" title="the matching samples, all pages">Export CSV</button></div>
</form>
<p class="hint" id="sample-count" aria-live="polite"></p>
<p class="error" id="filter-error" hidden></p>
<div class="table-wrap"><table class="samples" id="sample-table">
<thead><tr><th class="num">#</th><th>Task</th><th>Pathway</th><th class="num" data-sort="answer_acc">Answer acc</th><th class="num" data-sort="attribute_f1">Attr F1</th><th class="num" data-sort="value_f1">Value F1</th><th class="num" data-sort="relative_value_acc">RVA</th><th class="num"${
    hasJudge ? ' data-sort="judge"' : ''
  }>Judge</th><th>Finish</th><th>Response</th><th>Link</th></tr></thead>
<tbody id="sample-rows"></tbody>
</table></div>
<div class="pager" id="pager"><button type="button" id="page-prev">← previous</button><span id="page-info"></span><button type="button" id="page-next">next →</button></div>
</section>`;
}
