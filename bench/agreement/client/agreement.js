// Client side of agreement.html: one scatter plot per judge sub-score from the specs embedded in
// the page (bench/agreement/page.ts), with the diagonal of perfect agreement. Plain ES2020, no
// modules: it is inlined into a file:// page. Tables are static HTML.
(function () {
  'use strict';

  var specs = JSON.parse(document.getElementById('scatter-data').textContent);
  // Exposed for tests and for poking at the page from the console.
  var state = { charts: {}, points: {}, errors: [] };
  window.__ipdAgreement = state;

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  specs.forEach(function (spec) {
    var datasets = spec.series.map(function (s) {
      return { label: s.label, data: s.points, backgroundColor: alpha(s.color, 0.6), borderColor: s.color, pointRadius: 5, pointHoverRadius: 7, clip: false };
    });
    datasets.push({ type: 'line', label: 'agreement (y = x)', data: [{ x: 0, y: 0 }, { x: spec.max, y: spec.max }], borderColor: '#59636e', borderDash: [6, 4], borderWidth: 1, pointRadius: 0 });
    try {
      state.charts[spec.id] = new Chart(document.getElementById(spec.id), {
        type: 'scatter',
        data: { datasets: datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: {
            title: { display: true, text: spec.title, font: { size: 14, weight: 'bold' } },
            legend: { position: 'bottom' },
            tooltip: {
              callbacks: {
                label: function (ctx) {
                  var p = ctx.raw;
                  return p.task ? ctx.dataset.label + ' · ' + p.task + ': GPT-4o ' + p.x.toFixed(2) + ', local ' + p.y.toFixed(2) : ctx.dataset.label;
                },
              },
            },
          },
          scales: {
            x: { type: 'linear', min: 0, max: spec.max, title: { display: true, text: 'GPT-4o (official)' } },
            y: { min: 0, max: spec.max, title: { display: true, text: 'local judge' } },
          },
        },
      });
      state.points[spec.id] = spec.series.reduce(function (n, s) { return n + s.points.length; }, 0);
    } catch (err) {
      state.errors.push(spec.id + ': ' + (err && err.message));
    }
  });
  document.body.dataset.ready = 'true';
})();
