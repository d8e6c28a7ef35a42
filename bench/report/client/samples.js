// The sample browser of report.html: filters, text and regex search, sorting, deep links in the
// URL fragment, a side-by-side detail view and CSV export, over the JSON embedded in the page.
// Plain ES2020, inlined after client/report.js, whose helpers and unpacked data it uses
// (window.__ipdReportKit, once `ready`).
// Run text reaches the DOM through textContent only. Only the rows of one page are in the DOM,
// so a full run of 5,000 predictions stays responsive.
window.__ipdReportKit.ready.then(function (kit) {
  'use strict';

  var data = kit.data;
  var state = kit.state;
  var el = kit.el;
  var fmt = kit.fmt;
  var PAGE_SIZE = 25;
  var FIELDS = ['task', 'series', 'parts', 'metric', 'min', 'max', 'jmin', 'jmax', 'q', 'scope', 'regex', 'sort', 'dir'];
  var CONTROL = {
    task: 'filter-task',
    series: 'filter-series',
    parts: 'filter-parts',
    metric: 'filter-metric',
    min: 'filter-min',
    max: 'filter-max',
    jmin: 'filter-judge-min',
    jmax: 'filter-judge-max',
    q: 'filter-text',
    scope: 'filter-scope',
    regex: 'filter-regex',
    sort: 'filter-sort',
    dir: 'filter-dir',
  };
  var $ = function (id) { return document.getElementById(id); };
  var view = { page: 0, open: {}, lastOpened: null };
  var seriesIndex = {};
  data.series.forEach(function (s, i) { seriesIndex[s.id] = i; });

  /** A sample's stable key: series id and item id (e.g. run0:type-guided/rank:12), used in links. */
  function keyOf(it) { return data.series[it.series].id + '/' + it.id; }
  function gtOf(it) { return data.gt[it.id]; }
  function judgeFailed(it) { return !!it.judge && it.judge.failed; }
  function judgeTotal(it) { return it.judge && !it.judge.failed && typeof it.judge.scores.Total === 'number' ? it.judge.scores.Total : null; }

  function answerText(a) { return Array.isArray(a) ? a.join('; ') : String(a); }

  // Prompts travel as line ids into data.promptLines (the pathways' templates and the items'
  // histories repeat); each is joined back once, when first needed.
  var prompts = new Array(data.items.length);
  function promptOf(it) {
    if (prompts[it._i] === undefined) prompts[it._i] = it.promptLineIds.map(function (id) { return data.promptLines[id]; }).join('\n');
    return prompts[it._i];
  }

  // ---- filtering ----------------------------------------------------------------------

  function readControls() {
    var f = {};
    FIELDS.forEach(function (k) {
      var node = $(CONTROL[k]);
      if (!node) f[k] = '';
      else f[k] = node.type === 'checkbox' ? (node.checked ? '1' : '') : node.value.trim();
    });
    return f;
  }

  function writeControls(f) {
    FIELDS.forEach(function (k) {
      var node = $(CONTROL[k]);
      if (!node) return;
      var v = f[k] === undefined ? '' : f[k];
      if (node.type === 'checkbox') node.checked = v === '1';
      else if (node.tagName === 'SELECT') node.value = Array.prototype.some.call(node.options, function (o) { return o.value === v; }) ? v : node.options[0].value;
      else node.value = v;
    });
  }

  function number(v) {
    if (v === '' || v === undefined) return null;
    var n = Number(v);
    return isFinite(n) ? n : null;
  }

  var textCache = {};
  /** The text a search looks at, per scope; built once per item and scope. */
  function textOf(it, scope) {
    var cache = textCache[scope] || (textCache[scope] = new Array(data.items.length));
    var i = it._i;
    if (cache[i] === undefined) {
      var parts = scope === 'response' ? [it.response] : scope === 'prompt' ? [promptOf(it)] : [promptOf(it), it.response];
      if (scope === 'all') {
        var g = gtOf(it);
        parts.push(it.extracted.analysis, answerText(it.extracted.answer), JSON.stringify(it.extracted.attributes));
        if (g) parts.push(g.request, g.analysis, answerText(g.answer), JSON.stringify(g.related_attributes));
        if (it.judge) parts.push(it.judge.output);
        if (it.error) parts.push(it.error);
      }
      cache[i] = parts.join('\n');
    }
    return cache[i];
  }
  var lowerCache = {};
  function lowerOf(it, scope) {
    var cache = lowerCache[scope] || (lowerCache[scope] = new Array(data.items.length));
    if (cache[it._i] === undefined) cache[it._i] = textOf(it, scope).toLowerCase();
    return cache[it._i];
  }

  /** The text test for the current query, or an error message for a broken regex. */
  function textTest(f) {
    if (!f.q) return { test: null };
    var scope = f.scope || 'both';
    if (f.regex) {
      var re;
      try {
        re = new RegExp(f.q, 'i');
      } catch (err) {
        return { test: null, error: 'Not a valid regular expression: ' + (err && err.message) };
      }
      return { test: function (it) { return re.test(textOf(it, scope)); } };
    }
    var needle = f.q.toLowerCase();
    return { test: function (it) { return lowerOf(it, scope).indexOf(needle) >= 0; } };
  }

  function partsMatch(it, parts) {
    var missing = it.missing;
    switch (parts) {
      case 'complete': return missing.length === 0;
      case 'missing-any': return missing.length > 0;
      case 'missing-attributes': return missing.indexOf('attributes') >= 0;
      case 'missing-analysis': return missing.indexOf('analysis') >= 0;
      case 'missing-answer': return missing.indexOf('answer') >= 0;
      case 'problems': return missing.length > 0 || !!it.error || judgeFailed(it);
      case 'error': return !!it.error;
      case 'judge-failed': return judgeFailed(it);
      default: return true;
    }
  }

  function sortValue(it, key) {
    if (key === 'judge') return judgeTotal(it);
    if (key === 'completionTokens' || key === 'latencyMs') return it[key];
    var v = it.metrics[key];
    return typeof v === 'number' && isFinite(v) ? v : null;
  }

  /** The items that pass the filters, sorted; items without a value for the sort key go last. */
  function select(f) {
    var text = textTest(f);
    var min = number(f.min);
    var max = number(f.max);
    var jmin = number(f.jmin);
    var jmax = number(f.jmax);
    var series = f.series === '' ? null : seriesIndex[f.series];
    var items = data.items.filter(function (it) {
      if (f.task && it.task !== f.task) return false;
      if (series !== null && it.series !== series) return false;
      if (!partsMatch(it, f.parts)) return false;
      if (min !== null || max !== null) {
        var v = sortValue(it, f.metric || data.metricNames[0]);
        if (v === null || (min !== null && v < min) || (max !== null && v > max)) return false;
      }
      if (jmin !== null || jmax !== null) {
        var j = judgeTotal(it);
        if (j === null || (jmin !== null && j < jmin) || (jmax !== null && j > jmax)) return false;
      }
      if (text.test && !text.test(it)) return false;
      return true;
    });
    if (f.sort) {
      var sign = f.dir === 'asc' ? 1 : -1;
      items.sort(function (a, b) {
        var x = sortValue(a, f.sort);
        var y = sortValue(b, f.sort);
        if (x === null || y === null) return x === y ? a._i - b._i : x === null ? 1 : -1;
        return x === y ? a._i - b._i : (x < y ? -1 : 1) * sign;
      });
    }
    return { items: items, error: text.error };
  }

  // ---- the URL fragment: #samples?task=rank&sort=attribute_f1&open=run0:type-guided/rank:12 ----

  function readHash() {
    // URLSearchParams does the percent-decoding: decoding first would break a query holding % or &.
    var hash = location.hash.slice(1);
    if (hash.indexOf('samples?') !== 0) return null;
    var params = new URLSearchParams(hash.slice('samples?'.length));
    var f = {};
    var any = false;
    FIELDS.forEach(function (k) {
      f[k] = params.get(k) || '';
      if (f[k]) any = true;
    });
    return { filters: any ? f : null, open: params.get('open'), page: number(params.get('page')) };
  }

  function hashFor(f, open, page) {
    var params = new URLSearchParams();
    FIELDS.forEach(function (k) { if (f[k]) params.set(k, f[k]); });
    if (page) params.set('page', String(page + 1));
    if (open) params.set('open', open);
    return '#samples?' + params.toString();
  }

  /** A link that opens one sample, whatever the filters. */
  function sampleLink(it) { return hashFor({}, keyOf(it), 0); }

  // Keeps the address bar on the current view (replaceState: no scroll, no history entry per keystroke).
  function syncHash(f) {
    var hash = hashFor(f, view.lastOpened, view.page);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }

  // ---- rendering ----------------------------------------------------------------------

  function pre(text, cls) {
    return el('pre', { className: cls || '', text: text === '' ? '(empty)' : text });
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

  function textNode(text) {
    return text === '' ? el('span', { className: 'empty', text: '(empty)' }) : el('div', { className: 'text', text: text });
  }

  /** Extracted fields beside the ground truth, one row per part. */
  function comparisonTable(it) {
    var g = gtOf(it);
    var missing = function (part) { return it.missing.indexOf(part) >= 0 ? el('div', { className: 'warn', text: 'not found in the response' }) : null; };
    var table = el('table', { className: 'versus' });
    table.appendChild(el('tr', {}, el('th', { text: '' }), el('th', { text: 'Extracted' }), el('th', { text: 'Ground truth' })));
    var none = el('span', { className: 'empty', text: 'dataset not available' });
    if (g) table.appendChild(el('tr', {}, el('th', { text: 'Request' }), el('td', { attrs: { colspan: 2 } }, textNode(g.request))));
    table.appendChild(
      el('tr', {}, el('th', { text: 'Attributes' }), el('td', {}, attributesNode(it.extracted.attributes, g && g.related_attributes), missing('attributes')), el('td', {}, g ? attributesNode(g.related_attributes) : none.cloneNode(true)))
    );
    table.appendChild(el('tr', {}, el('th', { text: 'Analysis' }), el('td', {}, textNode(it.extracted.analysis), missing('analysis')), el('td', {}, g ? textNode(g.analysis) : none.cloneNode(true))));
    table.appendChild(el('tr', {}, el('th', { text: 'Answer' }), el('td', {}, answerNode(it.extracted.answer), missing('answer')), el('td', {}, g ? answerNode(g.answer) : none.cloneNode(true))));
    return table;
  }

  function metricsTable(it) {
    var table = el('table', { className: 'mini' });
    var head = el('tr');
    var row = el('tr');
    data.metricNames.forEach(function (m) {
      head.appendChild(el('th', { text: kit.METRIC_LABELS[m] }));
      row.appendChild(el('td', { className: 'num', text: fmt(it.metrics[m], 3) }));
    });
    if (it.judge) {
      kit.JUDGE_NAMES.forEach(function (n) {
        head.appendChild(el('th', { text: 'Judge ' + n }));
        row.appendChild(el('td', { className: 'num', text: typeof it.judge.scores[n] === 'number' ? fmt(it.judge.scores[n], 0) : '–' }));
      });
    }
    table.appendChild(head);
    table.appendChild(row);
    return table;
  }

  function pane(title, cls) {
    var rest = Array.prototype.slice.call(arguments, 2);
    return el.apply(null, ['div', { className: 'pane ' + (cls || '') }, el('h4', { text: title })].concat(rest));
  }

  function detailNode(it) {
    var s = data.series[it.series];
    var facts = el('p', {
      className: 'facts',
      text: s.label + ' · item ' + it.id + ' · ' + it.promptTokens + ' prompt + ' + it.completionTokens + ' generated tokens · ' + fmt(it.latencyMs / 1000, 2) + ' s · finish: ' + it.finishReason,
    });
    var link = el('a', { className: 'permalink', text: 'link to this sample', attrs: { href: sampleLink(it) } });
    var panes = el(
      'div',
      { className: 'panes' },
      pane('Prompt', 'prompt', it.promptLineIds.length > 0 ? pre(promptOf(it), 'prompt') : el('p', { className: 'empty', text: 'Prompts were left out of this page (--no-prompts).' })),
      pane('Response', 'response', pre(it.response, 'response'), it.error ? el('p', { className: 'error', text: 'Error: ' + it.error }) : null),
      pane('Extracted and ground truth', 'versus', comparisonTable(it)),
      it.judge
        ? pane(
            'Judge (' + it.judge.status + ')',
            'judge-block' + (judgeFailed(it) ? ' failed' : ''),
            it.judge.problems.length > 0 ? el('p', { className: 'warn', text: it.judge.problems.join('; ') }) : null,
            pre(it.judge.output, 'judge-output')
          )
        : null
    );
    return el('div', { className: 'detail' }, el('div', { className: 'detail-head' }, facts, link), metricsTable(it), panes);
  }

  function preview(text) {
    var one = text.replace(/\s+/g, ' ').trim();
    return one.length > 110 ? one.slice(0, 107) + '…' : one;
  }

  function rowNode(it, f) {
    var s = data.series[it.series];
    var key = keyOf(it);
    var judgeCell = it.judge ? (judgeFailed(it) ? 'failed' : fmt(it.judge.scores.Total, 0)) : '–';
    var link = el('a', { className: 'permalink', text: '#', title: 'link to this sample', attrs: { href: sampleLink(it) } });
    link.addEventListener('click', function (e) { e.stopPropagation(); });
    var tr = el(
      'tr',
      { className: 'sample-row' + (view.open[key] ? ' open' : ''), dataset: { task: it.task, series: s.id, index: it.index, key: key }, attrs: { tabindex: 0 } },
      el('td', { className: 'num', text: it.index }),
      el('td', { text: it.task }),
      el('td', { className: 'nowrap' }, el('span', { className: 'swatch', attrs: { style: 'background:' + s.color } }), s.label),
      el('td', { className: 'num', text: fmt(it.metrics.answer_acc, 2) }),
      el('td', { className: 'num', text: fmt(it.metrics.attribute_f1, 2) }),
      el('td', { className: 'num', text: fmt(it.metrics.value_f1, 2) }),
      el('td', { className: 'num', text: fmt(it.metrics.relative_value_acc, 2) }),
      el('td', { className: 'num' + (judgeFailed(it) ? ' warn' : ''), text: judgeCell }),
      el('td', { className: it.missing.length > 0 || it.error ? 'warn' : '', text: it.error ? 'error' : it.missing.length > 0 ? 'missing ' + it.missing.join(', ') : it.finishReason }),
      el('td', { className: 'preview', text: preview(it.response) }),
      el('td', {}, link)
    );
    var toggle = function () {
      view.open[key] = !view.open[key];
      view.lastOpened = view.open[key] ? key : null;
      render(f);
    };
    tr.addEventListener('click', toggle);
    tr.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        toggle();
      }
    });
    return tr;
  }

  var current = { items: [] };

  function render(f, opts) {
    f = f || readControls();
    var t0 = performance.now();
    var result = select(f);
    current = result;
    var items = result.items;
    var pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
    if (view.page >= pages) view.page = pages - 1;
    if (view.page < 0) view.page = 0;
    var rows = [];
    items.slice(view.page * PAGE_SIZE, (view.page + 1) * PAGE_SIZE).forEach(function (it) {
      rows.push(rowNode(it, f));
      var key = keyOf(it);
      if (view.open[key]) rows.push(el('tr', { className: 'sample-detail', dataset: { key: key } }, el('td', { attrs: { colspan: 11 } }, detailNode(it))));
    });
    var tbody = $('sample-rows');
    tbody.replaceChildren.apply(tbody, rows);
    var error = $('filter-error');
    error.hidden = !result.error;
    error.textContent = result.error || '';
    $('sample-count').textContent = items.length + ' of ' + data.items.length + ' item(s) match' + (items.length > 0 ? ' · click a row for details' : '');
    $('page-info').textContent = 'page ' + (view.page + 1) + ' of ' + pages;
    $('page-prev').disabled = view.page === 0;
    $('page-next').disabled = view.page >= pages - 1;
    document.querySelectorAll('#sample-table th[data-sort]').forEach(function (th) {
      th.classList.toggle('sorted', th.dataset.sort === f.sort);
      th.dataset.dir = th.dataset.sort === f.sort ? f.dir || 'desc' : '';
    });
    state.lastRenderMs = performance.now() - t0;
    if (!opts || opts.sync !== false) syncHash(f);
  }

  /**
   * Opens one sample and scrolls to it: with the link's filters, or (a link without any) the
   * current ones, cleared when they hide the sample.
   */
  function openSample(key, filters) {
    var slash = key.indexOf('/');
    var series = seriesIndex[key.slice(0, slash)];
    var id = key.slice(slash + 1);
    var target = data.items.find(function (it) { return it.series === series && it.id === id; });
    if (!target) {
      state.errors.push('no sample ' + key);
      return false;
    }
    if (filters) writeControls(filters);
    var f = readControls();
    var at = select(f).items.indexOf(target);
    if (at < 0) {
      writeControls({});
      f = readControls();
      at = select(f).items.indexOf(target);
    }
    view.page = Math.floor(at / PAGE_SIZE);
    view.open[key] = true;
    view.lastOpened = key;
    render(f, { sync: false });
    var row = document.querySelector('tr.sample-row[data-key="' + CSS.escape(key) + '"]');
    if (row) row.scrollIntoView({ block: 'start' });
    state.openedFromLink = key;
    return true;
  }

  function applyHash() {
    var h = readHash();
    if (!h) return;
    if (h.open) {
      openSample(h.open, h.filters);
    } else {
      writeControls(h.filters || {});
      view.page = h.page ? h.page - 1 : 0;
      render(readControls(), { sync: false });
      $('samples').scrollIntoView({ block: 'start' });
    }
  }

  // ---- CSV ---------------------------------------------------------------------------

  var CSV_HEAD = ['run', 'pathway', 'task', 'index', 'item', 'answer_acc', 'attribute_f1', 'value_f1', 'relative_value_acc', 'judge_total', 'judge_status', 'missing', 'finish_reason', 'error', 'prompt_tokens', 'completion_tokens', 'latency_ms', 'extracted_attributes', 'extracted_analysis', 'extracted_answer', 'response'];

  /** Metric cells: the official NaN is written NaN (pandas reads it as such), not an empty cell. */
  function csvNumber(v) { return typeof v === 'number' && isFinite(v) ? v : 'NaN'; }

  function samplesCsv(items) {
    var rows = [CSV_HEAD];
    items.forEach(function (it) {
      var s = data.series[it.series];
      var run = data.runs.find(function (r) { return r.id === s.runId; });
      rows.push([
        run ? run.label : s.runId,
        s.pathway,
        it.task,
        it.index,
        it.id,
        csvNumber(it.metrics.answer_acc),
        csvNumber(it.metrics.attribute_f1),
        csvNumber(it.metrics.value_f1),
        csvNumber(it.metrics.relative_value_acc),
        judgeTotal(it) === null ? '' : judgeTotal(it),
        it.judge ? it.judge.status : '',
        it.missing.join(' '),
        it.finishReason,
        it.error || '',
        it.promptTokens,
        it.completionTokens,
        it.latencyMs,
        Object.keys(it.extracted.attributes).map(function (k) { return k + ': ' + it.extracted.attributes[k]; }).join('; '),
        it.extracted.analysis,
        answerText(it.extracted.answer),
        it.response,
      ]);
    });
    return kit.toCsv(rows);
  }

  // ---- wiring ------------------------------------------------------------------------

  function setup() {
    data.items.forEach(function (it, i) { Object.defineProperty(it, '_i', { value: i, enumerable: false }); });
    var taskSel = $('filter-task');
    data.tasks.forEach(function (t) { taskSel.appendChild(el('option', { text: t, attrs: { value: t } })); });
    var seriesSel = $('filter-series');
    data.series.forEach(function (s) { seriesSel.appendChild(el('option', { text: s.label, attrs: { value: s.id } })); });
    var pending = null;
    var refilter = function () {
      view.page = 0;
      render();
    };
    // Typing in the search box re-filters once the typing pauses (a regex over 5,000 prompts takes a moment).
    var refilterSoon = function () {
      clearTimeout(pending);
      pending = setTimeout(refilter, 120);
    };
    ['filter-task', 'filter-series', 'filter-parts', 'filter-metric', 'filter-scope', 'filter-regex', 'filter-sort', 'filter-dir'].forEach(function (id) { $(id).addEventListener('change', refilter); });
    ['filter-min', 'filter-max', 'filter-judge-min', 'filter-judge-max'].forEach(function (id) { if ($(id)) $(id).addEventListener('input', refilter); });
    $('filter-text').addEventListener('input', refilterSoon);
    $('filters').addEventListener('submit', function (e) { e.preventDefault(); });
    $('filter-reset').addEventListener('click', function () {
      writeControls({});
      view.open = {};
      view.lastOpened = null;
      refilter();
    });
    $('export-csv').addEventListener('click', function () { kit.download('samples.csv', samplesCsv(current.items)); });
    document.querySelectorAll('#sample-table th[data-sort]').forEach(function (th) {
      th.classList.add('sortable');
      th.title = 'sort by this column (click again to reverse)';
      th.addEventListener('click', function () {
        var f = readControls();
        if (f.sort === th.dataset.sort) f.dir = f.dir === 'asc' ? 'desc' : 'asc';
        else {
          f.sort = th.dataset.sort;
          f.dir = 'desc';
        }
        writeControls(f);
        refilter();
      });
    });
    $('page-prev').addEventListener('click', function () { view.page--; render(); });
    $('page-next').addEventListener('click', function () { view.page++; render(); });
    window.addEventListener('hashchange', applyHash);
    if (readHash()) applyHash();
    else render(readControls(), { sync: false });
  }

  var t0 = performance.now();
  try {
    setup();
  } catch (err) {
    state.errors.push('sample browser: ' + (err && err.message));
  }
  if (state.timings) state.timings.sampleBrowser = performance.now() - t0;
  state.samplesCsv = function () { return samplesCsv(current.items); };
  state.ready = true;
  document.body.dataset.ready = 'true';
}).catch(function (err) {
  // The data could not be read (a damaged file, a browser without DecompressionStream): the
  // static tables still stand; say why the rest is missing, and let waiting tests see it.
  var state = window.__ipdReport;
  state.errors.push('report data: ' + (err && err.message));
  var note = document.createElement('p');
  note.className = 'error';
  note.textContent = 'The charts and the sample browser could not load: ' + (err && err.message);
  document.getElementById('samples').prepend(note);
  document.body.dataset.ready = 'error';
});
