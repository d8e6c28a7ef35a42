// Client side of report.html: draws the charts and runs the sample browser from the JSON
// embedded in the page. Plain ES2020, no modules: it is inlined into a file:// page.
// Every piece of run text reaches the DOM through textContent, never innerHTML.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('report-data').textContent);
  var METRIC_LABELS = {
    answer_acc: 'Answer accuracy',
    attribute_f1: 'Attribute F1',
    value_f1: 'Value F1',
    relative_value_acc: 'Relative value accuracy',
  };
  var SHORT_METRIC = { answer_acc: 'acc', attribute_f1: 'ATF', value_f1: 'VF1', relative_value_acc: 'RVA' };
  var JUDGE_NAMES = ['Conciseness', 'Personalization', 'Analysis Quality', 'Answer Accuracy', 'Total'];
  var PAGE_SIZE = 25;

  // Exposed for tests and for poking at the page from the console.
  var state = { charts: {}, referenceMarks: {}, errors: [], ready: false };
  window.__ipdReport = state;

  function fmt(v, digits) {
    return typeof v === 'number' && isFinite(v) ? v.toFixed(digits === undefined ? 2 : digits) : '–';
  }

  /** A mean as a bar height: the official NaN arrives as null and draws no bar (not a 0). */
  function pct(v) {
    return typeof v === 'number' && isFinite(v) ? v * 100 : null;
  }

  /** el('div', {className, dataset, attrs}, child...) where string children become text nodes. */
  function el(tag, props) {
    var node = document.createElement(tag);
    props = props || {};
    if (props.className) node.className = props.className;
    if (props.text !== undefined) node.textContent = String(props.text);
    if (props.title) node.title = props.title;
    if (props.dataset) Object.keys(props.dataset).forEach(function (k) { node.dataset[k] = String(props.dataset[k]); });
    if (props.attrs) Object.keys(props.attrs).forEach(function (k) { node.setAttribute(k, String(props.attrs[k])); });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  // ---- charts -------------------------------------------------------------------------

  function makeChart(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    try {
      state.charts[id] = new Chart(canvas, config);
    } catch (err) {
      state.errors.push(id + ': ' + (err && err.message));
      canvas.parentNode.appendChild(el('p', { className: 'error', text: 'Chart failed: ' + (err && err.message) }));
    }
  }

  // The paper's values are drawn as a short line over each bar of the same pathway, one
  // legend entry per paper model (click to hide). A legend entry per (model, pathway)
  // would bury the chart once several pathways run.
  var refModels = [];
  var refByModel = {};
  data.reference.forEach(function (r) {
    if (!refByModel[r.model]) {
      refByModel[r.model] = { color: r.color, byPathway: {} };
      refModels.push(r.model);
    }
    refByModel[r.model].byPathway[r.pathway] = r;
  });
  /** canvas id -> function(ref, categoryIndex) giving the paper's value, or null. */
  var refValueOf = {};

  var referencePlugin = {
    id: 'ipdReferenceMarks',
    afterDatasetsDraw: function (chart) {
      var value = refValueOf[chart.canvas.id];
      if (!value) return;
      var ctx = chart.ctx;
      var y = chart.scales.y;
      var drawn = 0;
      ctx.save();
      chart.data.datasets.forEach(function (refSet, ri) {
        if (!refSet.ipdRefModel || !chart.isDatasetVisible(ri)) return;
        var model = refByModel[refSet.ipdRefModel];
        chart.data.datasets.forEach(function (barSet, bi) {
          var ref = barSet.ipdPathway && model.byPathway[barSet.ipdPathway];
          if (!ref || !chart.isDatasetVisible(bi)) return;
          chart.getDatasetMeta(bi).data.forEach(function (bar, k) {
            var v = value(ref, k);
            if (v === null || v === undefined) return;
            var props = bar.getProps(['x', 'width'], true);
            var py = y.getPixelForValue(v);
            ctx.strokeStyle = '#ffffff';
            ctx.lineWidth = 6;
            ctx.beginPath();
            ctx.moveTo(props.x - props.width / 2 - 2, py);
            ctx.lineTo(props.x + props.width / 2 + 2, py);
            ctx.stroke();
            ctx.strokeStyle = model.color;
            ctx.lineWidth = 3;
            ctx.stroke();
            drawn++;
          });
        });
      });
      ctx.restore();
      state.referenceMarks[chart.canvas.id] = drawn;
    },
  };

  /** Legend-only datasets (no points of their own) that switch a paper model's marks. */
  function referenceLegend(labels, hasValues) {
    return refModels
      .filter(function (m) { return !hasValues || hasValues(refByModel[m]); })
      .map(function (m) {
        return {
          type: 'line',
          label: 'paper · ' + m,
          ipdRefModel: m,
          data: labels.map(function () { return null; }),
          borderColor: refByModel[m].color,
          backgroundColor: refByModel[m].color,
          borderWidth: 3,
          pointRadius: 0,
        };
      });
  }

  function barDataset(s, values) {
    return {
      label: s.label,
      ipdPathway: s.pathway,
      data: values,
      backgroundColor: alpha(s.color, 0.85),
      borderColor: s.color,
      borderWidth: 1,
    };
  }

  function baseOptions(title, yTitle, yMax) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'nearest', intersect: true },
      plugins: {
        title: { display: true, text: title, font: { size: 14, weight: 'bold' } },
        legend: { position: 'bottom', labels: { boxWidth: 14 } },
        tooltip: {
          filter: function (item) { return !item.dataset.ipdRefModel; },
          callbacks: {
            label: function (ctx) {
              return ctx.dataset.label + ': ' + fmt(ctx.parsed.y, 2);
            },
          },
        },
      },
      scales: {
        x: { grid: { display: false } },
        y: { beginAtZero: true, suggestedMax: yMax, title: { display: true, text: yTitle } },
      },
    };
  }

  function refVisible(chart, model) {
    return chart.data.datasets.some(function (d, i) { return d.ipdRefModel === model && chart.isDatasetVisible(i); });
  }

  /** Tooltips name the paper's value for the hovered bar's pathway too. */
  function withReferenceTooltip(options, canvasId) {
    options.plugins.tooltip.callbacks.afterLabel = function (ctx) {
      var value = refValueOf[canvasId];
      var pathway = ctx.dataset.ipdPathway;
      if (!value || !pathway) return '';
      var lines = [];
      refModels.forEach(function (m) {
        var ref = refByModel[m].byPathway[pathway];
        var v = ref ? value(ref, ctx.dataIndex) : null;
        if (v !== null && v !== undefined && refVisible(ctx.chart, m)) {
          lines.push('paper · ' + m + ': ' + fmt(v, 2));
        }
      });
      return lines;
    };
    return options;
  }

  function metricCharts() {
    data.metricNames.forEach(function (m) {
      var id = 'chart-metric-' + m;
      refValueOf[id] = function (ref, k) {
        var t = ref.tasks[data.tasks[k]];
        return t ? t[m] : null;
      };
      var datasets = data.series.map(function (s) {
        return barDataset(s, data.tasks.map(function (t) { return s.tasks[t] ? pct(s.tasks[t].mean[m]) : null; }));
      });
      makeChart(id, {
        type: 'bar',
        data: { labels: data.tasks, datasets: datasets.concat(referenceLegend(data.tasks)) },
        options: withReferenceTooltip(baseOptions(METRIC_LABELS[m] + ' per task', 'mean × 100', 100), id),
        plugins: [referencePlugin],
      });
    });
  }

  function pathwayChart() {
    var labels = data.metricNames.map(function (m) { return METRIC_LABELS[m]; });
    refValueOf['chart-pathways'] = function (ref, k) { return ref.overallMean[data.metricNames[k]] * 100; };
    var datasets = data.series.map(function (s) {
      return barDataset(s, data.metricNames.map(function (m) { return pct(s.overall.mean[m]); }));
    });
    makeChart('chart-pathways', {
      type: 'bar',
      data: { labels: labels, datasets: datasets.concat(referenceLegend(labels)) },
      options: withReferenceTooltip(baseOptions('Overall mean × 100 by ' + (data.runs.length > 1 ? 'run and pathway' : 'pathway'), 'mean × 100', 100), 'chart-pathways'),
      plugins: [referencePlugin],
    });
  }

  function scatterChart() {
    var title = 'Attribute F1 vs relative value accuracy — Pearson r: ' + data.series.map(function (s) {
      return (data.series.length > 1 ? s.label + ' ' : '') + fmt(s.pearson, 3);
    }).join(', ');
    var datasets = data.series.map(function (s, si) {
      var points = [];
      data.items.forEach(function (it) {
        if (it.series === si) points.push({ x: it.metrics.attribute_f1, y: it.metrics.relative_value_acc, index: it.index, task: it.task });
      });
      return {
        label: s.label + ' (r = ' + fmt(s.pearson, 3) + ')',
        data: points,
        backgroundColor: alpha(s.color, 0.45),
        borderColor: s.color,
        borderWidth: 1,
        pointRadius: 4,
        pointHoverRadius: 6,
        // Points on the axes (0 and 1 are common values) are drawn whole, not clipped.
        clip: false,
      };
    });
    var options = baseOptions(title, 'relative value accuracy', 1);
    options.scales = {
      x: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'attribute F1' } },
      y: { min: 0, max: 1, title: { display: true, text: 'relative value accuracy' } },
    };
    options.plugins.tooltip.callbacks.label = function (ctx) {
      var p = ctx.raw;
      return '#' + p.index + ' ' + p.task + ': ATF ' + fmt(p.x, 2) + ', RVA ' + fmt(p.y, 2);
    };
    makeChart('chart-atf-rva', { type: 'scatter', data: { datasets: datasets }, options: options });
  }

  function judgeChart() {
    var judged = data.series.filter(function (s) { return s.judge; });
    if (judged.length === 0) return;
    refValueOf['chart-judge'] = function (ref, k) {
      var j = ref.judge && ref.judge[data.tasks[k]];
      return j ? j.Total : null;
    };
    var datasets = judged.map(function (s) {
      return barDataset(s, data.tasks.map(function (t) { return s.judge.tasks[t] ? s.judge.tasks[t].mean.Total : null; }));
    });
    var legend = referenceLegend(data.tasks, function (model) {
      return Object.keys(model.byPathway).some(function (p) { return model.byPathway[p].judge; });
    });
    makeChart('chart-judge', {
      type: 'bar',
      data: { labels: data.tasks, datasets: datasets.concat(legend) },
      options: withReferenceTooltip(baseOptions('Judge total per task (0–14)', 'mean total', 14), 'chart-judge'),
      plugins: [referencePlugin],
    });
  }

  // ---- sample browser -----------------------------------------------------------------

  var $ = function (id) { return document.getElementById(id); };
  var view = { page: 0, open: {} };

  function gtOf(it) { return data.gt[it.id]; }
  function rowKey(it) { return it.series + '/' + it.id; }

  // Decided by the report's builder with the one judge-failure rule (scorers/judge.ts).
  function judgeFailed(it) {
    return !!it.judge && it.judge.failed;
  }

  function searchText(it) {
    if (it._search === undefined) {
      var g = gtOf(it);
      var parts = [String(it.index), it.task, it.prompt, it.response, it.extracted.analysis, String(it.extracted.answer)];
      if (g) parts.push(g.request, g.analysis, String(g.answer));
      Object.defineProperty(it, '_search', { value: parts.join('\n').toLowerCase(), enumerable: false });
    }
    return it._search;
  }

  function scoreOf(it, metric) {
    if (metric === 'judge') return it.judge && !it.judge.failed ? it.judge.scores.Total : null;
    return it.metrics[metric];
  }

  function readNumber(input) {
    var v = input.value.trim();
    if (v === '') return null;
    var n = Number(v);
    return isFinite(n) ? n : null;
  }

  function filteredItems() {
    var task = $('filter-task').value;
    var series = $('filter-series').value;
    var metric = $('filter-metric').value;
    var min = readNumber($('filter-min'));
    var max = readNumber($('filter-max'));
    var q = $('filter-text').value.trim().toLowerCase();
    var problems = $('filter-problems').checked;
    return data.items.filter(function (it) {
      if (task && it.task !== task) return false;
      if (series && String(it.series) !== series) return false;
      if (min !== null || max !== null) {
        var s = scoreOf(it, metric);
        if (s === null || s === undefined) return false;
        if (min !== null && s < min) return false;
        if (max !== null && s > max) return false;
      }
      if (problems && !(it.missing.length > 0 || it.error || judgeFailed(it))) return false;
      if (q && searchText(it).indexOf(q) < 0) return false;
      return true;
    });
  }

  function answerNode(answer) {
    if (Array.isArray(answer)) {
      if (answer.length === 0) return el('span', { className: 'empty', text: '(empty list)' });
      return el.apply(null, ['ol', {}].concat(answer.map(function (a) { return el('li', { text: a }); })));
    }
    return answer === '' ? el('span', { className: 'empty', text: '(empty)' }) : el('div', { className: 'text', text: answer });
  }

  function attributesNode(attrs, gtAttrs) {
    var keys = Object.keys(attrs || {});
    if (keys.length === 0) return el('span', { className: 'empty', text: '(none)' });
    var list = el('ul', { className: 'attrs' });
    keys.forEach(function (k) {
      var cls = '';
      var tip = '';
      if (gtAttrs) {
        if (Object.prototype.hasOwnProperty.call(gtAttrs, k)) {
          cls = gtAttrs[k] === attrs[k] ? 'hit' : 'key-hit';
          tip = gtAttrs[k] === attrs[k] ? 'attribute and value match the GT' : 'attribute in the GT, value differs';
        } else {
          cls = 'miss';
          tip = 'attribute not in the GT';
        }
      }
      list.appendChild(el('li', { className: cls, title: tip }, el('b', { text: k }), ': ' + attrs[k]));
    });
    return list;
  }

  function field(label, node) {
    return el('div', { className: 'field' }, el('div', { className: 'field-label', text: label }), node);
  }

  function pre(text, cls) {
    return el('pre', { className: cls || '', text: text === '' ? '(empty)' : text });
  }

  function detailNode(it) {
    var g = gtOf(it);
    var s = data.series[it.series];
    var model = el(
      'div',
      { className: 'col' },
      el('h4', { text: 'Response' }),
      pre(it.response, 'response'),
      el('h4', { text: 'Extracted' }),
      field('Attributes', attributesNode(it.extracted.attributes, g && g.related_attributes)),
      field('Analysis', it.extracted.analysis === '' ? el('span', { className: 'empty', text: '(empty)' }) : el('div', { className: 'text', text: it.extracted.analysis })),
      field('Answer', answerNode(it.extracted.answer)),
      it.missing.length > 0 ? field('Missing', el('span', { className: 'warn', text: it.missing.join(', ') })) : null,
      it.error ? field('Error', el('span', { className: 'error', text: it.error })) : null
    );
    var truth = g
      ? el(
          'div',
          { className: 'col' },
          el('h4', { text: 'Ground truth' }),
          field('Request', el('div', { className: 'text', text: g.request })),
          field('Related attributes', attributesNode(g.related_attributes)),
          field('Analysis', el('div', { className: 'text', text: g.analysis })),
          field('Answer', answerNode(g.answer))
        )
      : el('div', { className: 'col' }, el('h4', { text: 'Ground truth' }), el('p', { className: 'empty', text: 'The dataset file was not available; only the prediction is shown.' }));
    var metrics = el('table', { className: 'mini' });
    var head = el('tr');
    var row = el('tr');
    data.metricNames.forEach(function (m) {
      head.appendChild(el('th', { text: METRIC_LABELS[m] }));
      row.appendChild(el('td', { className: 'num', text: fmt(it.metrics[m], 3) }));
    });
    metrics.appendChild(head);
    metrics.appendChild(row);
    var facts = el('p', {
      className: 'facts',
      text: s.label + ' · item #' + it.index + ' · ' + it.task + ' · ' + it.promptTokens + ' prompt + ' + it.completionTokens + ' generated tokens · ' +
        fmt(it.latencyMs / 1000, 2) + ' s · finish: ' + it.finishReason,
    });
    var judge = null;
    if (it.judge) {
      var scores = JUDGE_NAMES.map(function (n) { return n + ' ' + (typeof it.judge.scores[n] === 'number' ? fmt(it.judge.scores[n], 1) : '–'); }).join(' · ');
      judge = el(
        'div',
        { className: 'judge-block' + (judgeFailed(it) ? ' failed' : '') },
        el('h4', { text: 'Judge (' + it.judge.status + ')' }),
        el('p', { text: scores }),
        it.judge.problems.length > 0 ? el('p', { className: 'warn', text: it.judge.problems.join('; ') }) : null,
        el('details', {}, el('summary', { text: 'Raw judge output' }), pre(it.judge.output))
      );
    }
    var prompt = it.prompt
      ? el('details', { className: 'prompt' }, el('summary', { text: 'Prompt (' + it.prompt.length + ' characters)' }), pre(it.prompt))
      : null;
    return el('div', { className: 'detail' }, facts, metrics, el('div', { className: 'cols' }, model, truth), judge, prompt);
  }

  function preview(text) {
    var one = text.replace(/\s+/g, ' ').trim();
    return one.length > 110 ? one.slice(0, 107) + '…' : one;
  }

  function renderRows() {
    var items = filteredItems();
    var pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
    if (view.page >= pages) view.page = pages - 1;
    var slice = items.slice(view.page * PAGE_SIZE, (view.page + 1) * PAGE_SIZE);
    var tbody = $('sample-rows');
    var rows = [];
    slice.forEach(function (it) {
      var s = data.series[it.series];
      var key = rowKey(it);
      var judgeCell = it.judge ? (judgeFailed(it) ? 'failed' : fmt(it.judge.scores.Total, 1)) : '–';
      var tr = el(
        'tr',
        { className: 'sample-row' + (view.open[key] ? ' open' : ''), dataset: { task: it.task, series: s.id, index: it.index }, attrs: { tabindex: 0 } },
        el('td', { className: 'num', text: it.index }),
        el('td', { text: it.task }),
        el('td', { className: 'nowrap' }, el('span', { className: 'swatch', attrs: { style: 'background:' + s.color } }), s.label),
        el('td', { className: 'num', text: fmt(it.metrics.answer_acc, 2) }),
        el('td', { className: 'num', text: fmt(it.metrics.attribute_f1, 2) }),
        el('td', { className: 'num', text: fmt(it.metrics.value_f1, 2) }),
        el('td', { className: 'num', text: fmt(it.metrics.relative_value_acc, 2) }),
        el('td', { className: 'num' + (judgeFailed(it) ? ' warn' : ''), text: judgeCell }),
        el('td', { className: it.missing.length > 0 || it.error ? 'warn' : '', text: it.error ? 'error' : it.finishReason }),
        el('td', { className: 'preview', text: preview(it.response) })
      );
      var toggle = function () {
        view.open[key] = !view.open[key];
        renderRows();
      };
      tr.addEventListener('click', toggle);
      tr.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          toggle();
        }
      });
      rows.push(tr);
      if (view.open[key]) rows.push(el('tr', { className: 'sample-detail', dataset: { task: it.task, series: s.id, index: it.index } }, el('td', { attrs: { colspan: 10 } }, detailNode(it))));
    });
    tbody.replaceChildren.apply(tbody, rows);
    $('sample-count').textContent = items.length + ' of ' + data.items.length + ' item(s) match' + (items.length > 0 ? ' · click a row for details' : '');
    $('page-info').textContent = 'page ' + (view.page + 1) + ' of ' + pages;
    $('page-prev').disabled = view.page === 0;
    $('page-next').disabled = view.page >= pages - 1;
  }

  function setupBrowser() {
    var taskSel = $('filter-task');
    data.tasks.forEach(function (t) { taskSel.appendChild(el('option', { text: t, attrs: { value: t } })); });
    var seriesSel = $('filter-series');
    data.series.forEach(function (s, i) { seriesSel.appendChild(el('option', { text: s.label, attrs: { value: i } })); });
    var metricSel = $('filter-metric');
    data.metricNames.forEach(function (m) { metricSel.appendChild(el('option', { text: METRIC_LABELS[m] + ' (' + SHORT_METRIC[m] + ')', attrs: { value: m } })); });
    if (data.items.some(function (it) { return it.judge; })) metricSel.appendChild(el('option', { text: 'Judge total (0–14)', attrs: { value: 'judge' } }));
    var refilter = function () {
      view.page = 0;
      renderRows();
    };
    ['filter-task', 'filter-series', 'filter-metric', 'filter-problems'].forEach(function (id) { $(id).addEventListener('change', refilter); });
    ['filter-min', 'filter-max', 'filter-text'].forEach(function (id) { $(id).addEventListener('input', refilter); });
    $('filters').addEventListener('submit', function (e) { e.preventDefault(); });
    $('page-prev').addEventListener('click', function () { view.page--; renderRows(); });
    $('page-next').addEventListener('click', function () { view.page++; renderRows(); });
    renderRows();
  }

  // The sample browser must work even if a chart fails, so each part is guarded.
  [metricCharts, pathwayChart, scatterChart, judgeChart, setupBrowser].forEach(function (part) {
    try {
      part();
    } catch (err) {
      state.errors.push(part.name + ': ' + (err && err.message));
    }
  });
  state.ready = true;
  document.body.dataset.ready = 'true';
})();
