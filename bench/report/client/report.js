// Client side of report.html: unpacks the data embedded in the page (gzip + base64, see
// bench/report/embed.ts), draws the charts (with 95% interval whiskers) and adds CSV downloads
// to the tables; client/samples.js runs the sample browser once the data is there. Plain
// ES2020, no modules: it is inlined into a file:// page.
// Every piece of run text reaches the DOM through textContent, never innerHTML.
(function () {
  'use strict';

  /** ReportData, once unpacked. */
  var data;
  var METRIC_LABELS = {
    answer_acc: 'Answer accuracy',
    attribute_f1: 'Attribute F1',
    value_f1: 'Value F1',
    relative_value_acc: 'Relative value accuracy',
  };
  var JUDGE_NAMES = ['Conciseness', 'Personalization', 'Analysis Quality', 'Answer Accuracy', 'Total'];

  // Exposed for tests and for poking at the page from the console.
  var state = { charts: {}, referenceMarks: {}, errorBars: {}, errors: [], ready: false };
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
  function referenceModels() {
    data.reference.forEach(function (r) {
      if (!refByModel[r.model]) {
        refByModel[r.model] = { color: r.color, byPathway: {} };
        refModels.push(r.model);
      }
      refByModel[r.model].byPathway[r.pathway] = r;
    });
  }
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

  /** A 95% interval scaled like its bar (x 100 for means), or null. */
  function scaled(ci, factor) {
    return ci ? [ci[0] * factor, ci[1] * factor] : null;
  }

  // Whiskers over each bar from its dataset's ipdErrors ([low, high] in the bar's units, or null).
  var errorBarPlugin = {
    id: 'ipdErrorBars',
    afterDatasetsDraw: function (chart) {
      var y = chart.scales.y;
      var ctx = chart.ctx;
      var drawn = 0;
      ctx.save();
      ctx.strokeStyle = '#1f2328';
      ctx.lineWidth = 1.2;
      chart.data.datasets.forEach(function (set, di) {
        if (!set.ipdErrors || !chart.isDatasetVisible(di)) return;
        chart.getDatasetMeta(di).data.forEach(function (bar, k) {
          var ci = set.ipdErrors[k];
          if (!ci || set.data[k] === null) return;
          var x = bar.getProps(['x'], true).x;
          var half = Math.max(2, bar.getProps(['width'], true).width * 0.25);
          var top = y.getPixelForValue(ci[1]);
          var bottom = y.getPixelForValue(ci[0]);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, bottom);
          ctx.moveTo(x - half, top);
          ctx.lineTo(x + half, top);
          ctx.moveTo(x - half, bottom);
          ctx.lineTo(x + half, bottom);
          ctx.stroke();
          drawn++;
        });
      });
      ctx.restore();
      state.errorBars[chart.canvas.id] = drawn;
    },
  };

  function barDataset(s, values, errors) {
    return {
      label: s.label,
      ipdPathway: s.pathway,
      ipdErrors: errors,
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
              var ci = ctx.dataset.ipdErrors && ctx.dataset.ipdErrors[ctx.dataIndex];
              return ctx.dataset.label + ': ' + fmt(ctx.parsed.y, 2) + (ci ? ' (95% CI [' + fmt(ci[0], 2) + ', ' + fmt(ci[1], 2) + '])' : '');
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
        return barDataset(
          s,
          data.tasks.map(function (t) { return s.tasks[t] ? pct(s.tasks[t].mean[m]) : null; }),
          data.tasks.map(function (t) { return s.tasks[t] && s.tasks[t].ci95 ? scaled(s.tasks[t].ci95[m], 100) : null; })
        );
      });
      makeChart(id, {
        type: 'bar',
        data: { labels: data.tasks, datasets: datasets.concat(referenceLegend(data.tasks)) },
        options: withReferenceTooltip(baseOptions(METRIC_LABELS[m] + ' per task', 'mean × 100', 100), id),
        plugins: [referencePlugin, errorBarPlugin],
      });
    });
  }

  function pathwayChart() {
    var labels = data.metricNames.map(function (m) { return METRIC_LABELS[m]; });
    refValueOf['chart-pathways'] = function (ref, k) { return ref.overallMean[data.metricNames[k]] * 100; };
    var datasets = data.series.map(function (s) {
      return barDataset(
        s,
        data.metricNames.map(function (m) { return pct(s.overall.mean[m]); }),
        data.metricNames.map(function (m) { return s.overall.ci95 ? scaled(s.overall.ci95[m], 100) : null; })
      );
    });
    makeChart('chart-pathways', {
      type: 'bar',
      data: { labels: labels, datasets: datasets.concat(referenceLegend(labels)) },
      options: withReferenceTooltip(baseOptions('Overall mean × 100 by ' + (data.runs.length > 1 ? 'run and pathway' : 'pathway'), 'mean × 100', 100), 'chart-pathways'),
      plugins: [referencePlugin, errorBarPlugin],
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
      return barDataset(
        s,
        data.tasks.map(function (t) { return s.judge.tasks[t] && s.judge.tasks[t].mean.Total !== undefined ? s.judge.tasks[t].mean.Total : null; }),
        data.tasks.map(function (t) { return s.judge.tasks[t] && s.judge.tasks[t].ci95 ? scaled(s.judge.tasks[t].ci95.Total, 1) : null; })
      );
    });
    var legend = referenceLegend(data.tasks, function (model) {
      return Object.keys(model.byPathway).some(function (p) { return model.byPathway[p].judge; });
    });
    makeChart('chart-judge', {
      type: 'bar',
      data: { labels: data.tasks, datasets: datasets.concat(legend) },
      options: withReferenceTooltip(baseOptions('Judge total per task (0–14)', 'mean total', 14), 'chart-judge'),
      plugins: [referencePlugin, errorBarPlugin],
    });
  }

  // ---- CSV ------------------------------------------------------------------------------

  function csvField(v) {
    var s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  /** RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break. */
  function toCsv(rows) {
    return rows.map(function (r) { return r.map(csvField).join(','); }).join('\r\n') + '\r\n';
  }

  /** Offline download of generated text (a blob: URL; nothing leaves the page). */
  function download(name, text) {
    state.lastDownload = { name: name, text: text };
    var url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
    var a = el('a', { attrs: { href: url, download: name } });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 2000);
  }

  function slug(s) {
    return String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'table';
  }

  /** A cell's value without its interval; data-value (a raw number) wins over the shown text. */
  function cellValue(cell) {
    if (cell.dataset.value !== undefined) return cell.dataset.value;
    var copy = cell.cloneNode(true);
    copy.querySelectorAll('.ci').forEach(function (n) { n.remove(); });
    return copy.textContent.trim();
  }

  /** The table as rows; a column with intervals gets two more: its CI low and high. */
  function tableRows(table) {
    var rows = Array.prototype.slice.call(table.rows);
    var width = rows.reduce(function (w, r) { return Math.max(w, r.cells.length); }, 0);
    var withCi = [];
    for (var j = 0; j < width; j++) {
      withCi.push(rows.some(function (r) { return r.cells[j] && r.cells[j].querySelector('.ci'); }));
    }
    return rows.map(function (r, ri) {
      var out = [];
      for (var j = 0; j < width; j++) {
        var cell = r.cells[j];
        var value = cell ? cellValue(cell) : '';
        out.push(value);
        if (!withCi[j]) continue;
        if (ri === 0 && r.parentNode.tagName === 'THEAD') {
          out.push(value + ' CI low', value + ' CI high');
        } else {
          var ci = cell && cell.querySelector('.ci');
          var parts = ci ? /^\[(.*), (.*)\]$/.exec(ci.textContent.trim()) : null;
          out.push(parts ? parts[1] : '', parts ? parts[2] : '');
        }
      }
      return out;
    });
  }

  function tableCsvButtons() {
    document.querySelectorAll('table[data-csv]').forEach(function (table) {
      var button = el('button', { className: 'csv', text: 'CSV', attrs: { type: 'button', title: 'download this table as CSV' } });
      button.addEventListener('click', function () { download(slug(table.dataset.csv) + '.csv', toCsv(tableRows(table))); });
      var wrap = table.closest('.table-wrap') || table;
      wrap.parentNode.insertBefore(el('div', { className: 'csv-bar' }, button), wrap);
    });
  }

  /** The embedded data: base64 of gzip of the JSON, decompressed by the browser itself. */
  function unpackData() {
    var binary = atob(document.getElementById('report-data').textContent.trim());
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text().then(JSON.parse);
  }

  // The sample browser (client/samples.js) builds on these once `ready` resolves.
  var kit = { state: state, el: el, fmt: fmt, download: download, toCsv: toCsv, METRIC_LABELS: METRIC_LABELS, JUDGE_NAMES: JUDGE_NAMES };
  var unpackStart = performance.now();
  kit.ready = unpackData().then(function (unpacked) {
    data = kit.data = unpacked;
    // How long each part took (ms), for the page-load measurement of big runs.
    state.timings = { unpackData: performance.now() - unpackStart };
    // Each part is guarded: a failing chart must not take the tables or the sample browser with it.
    [referenceModels, metricCharts, pathwayChart, scatterChart, judgeChart].forEach(function (part) {
      var t0 = performance.now();
      try {
        part();
      } catch (err) {
        state.errors.push(part.name + ': ' + (err && err.message));
      }
      state.timings[part.name] = performance.now() - t0;
    });
    return kit;
  });
  window.__ipdReportKit = kit;
  // The tables are static HTML: their CSV buttons need no data.
  try {
    tableCsvButtons();
  } catch (err) {
    state.errors.push('tableCsvButtons: ' + (err && err.message));
  }
})();
