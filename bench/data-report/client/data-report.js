// Client side of quality.html: hands the chart descriptions embedded in the page to
// Chart.js. Plain ES2020, no modules: it is inlined into a file:// page. Tables are
// static HTML; nothing here writes markup.
(function () {
  'use strict';

  var specs = JSON.parse(document.getElementById('chart-data').textContent);
  // Exposed for tests and for poking at the page from the console.
  var state = { charts: {}, errors: [] };
  window.__ipdDataReport = state;

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  function percent(v) {
    return (v * 100).toFixed(Math.abs(v) < 0.1 ? 1 : 0) + '%';
  }

  function dataset(d) {
    if (d.kind === 'marks') {
      // Expected values: a short line over each category, no bar, no connecting line.
      return { type: 'line', label: d.label, data: d.data, showLine: false, pointStyle: 'line', pointRadius: 14, pointHoverRadius: 16, borderWidth: 3, borderColor: d.color, backgroundColor: d.color, order: 0 };
    }
    return { type: 'bar', label: d.label, data: d.data, backgroundColor: alpha(d.color, 0.75), borderColor: d.color, borderWidth: 1, stack: d.stack, order: 1 };
  }

  function config(spec) {
    var tick = spec.percent ? function (v) { return percent(v); } : undefined;
    return {
      type: 'bar',
      data: { labels: spec.labels, datasets: spec.datasets.map(dataset) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          title: { display: true, text: spec.title },
          // Marks are drawn over the bars (order 0) but listed after them.
          legend: { position: 'bottom', labels: { sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var v = ctx.parsed.y;
                return ctx.dataset.label + ': ' + (v === null ? '–' : spec.percent ? percent(v) : Number.isInteger(v) ? String(v) : v.toFixed(3));
              },
            },
          },
        },
        scales: {
          x: { stacked: Boolean(spec.stacked), ticks: { autoSkip: false, maxRotation: 60 } },
          y: { stacked: Boolean(spec.stacked), beginAtZero: true, title: { display: true, text: spec.yTitle }, ticks: { callback: tick } },
        },
      },
    };
  }

  specs.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) {
      state.errors.push(spec.id + ': no canvas');
      return;
    }
    try {
      state.charts[spec.id] = new Chart(canvas, config(spec));
    } catch (err) {
      state.errors.push(spec.id + ': ' + (err && err.message));
      var p = document.createElement('p');
      p.className = 'error';
      p.textContent = 'Chart failed: ' + (err && err.message);
      canvas.parentNode.appendChild(p);
    }
  });
  document.body.dataset.ready = 'true';
})();
