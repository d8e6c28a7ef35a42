import type { MetricsRecord } from '../../../bench/runlog';
import { taskOrder } from '../../../pathways';
import type { RowResult, RunRow } from '../run/benchmark-run';
import { byId, el } from './dom';

const METRICS = ['answer_acc', 'attribute_f1', 'value_f1', 'relative_value_acc'] as const;
// The official NaN (a rank answer repeating one option) shows as a dash, as in the report.
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const pct = (x: number) => (Number.isFinite(x) ? (x * 100).toFixed(1) : '–');

/** The per-item table (streaming text while an item runs) and the per-task summary table. */
export class ResultsView {
  private readonly cells = new Map<string, { row: HTMLTableRowElement; response: HTMLElement }>();

  reset(rows: readonly RunRow[]): void {
    const body = byId('items').querySelector('tbody')!;
    body.replaceChildren();
    this.cells.clear();
    rows.forEach((r, i) => {
      const response = el('pre', { className: 'response' });
      const tr = el('tr', {}, el('td', {}, String(i + 1)), el('td', {}, r.entry.item.task), el('td', {}, String(r.entry.item.index)), el('td', {}, response));
      for (let k = 0; k < 6; k++) tr.append(el('td', { className: 'num' }));
      tr.dataset.key = r.key;
      tr.dataset.state = 'running';
      body.append(tr);
      this.cells.set(r.key, { row: tr, response });
    });
    byId('summary').querySelector('tbody')!.replaceChildren();
  }

  appendText(key: string, delta: string): void {
    const c = this.cells.get(key);
    if (!c) return;
    c.response.textContent += delta;
    c.row.dataset.streamed = 'true';
  }

  rowDone(r: RowResult): void {
    const c = this.cells.get(r.key);
    if (!c) return;
    const rec = r.record;
    c.response.textContent = rec.response;
    const tds = c.row.querySelectorAll('td');
    tds[4].textContent = `${rec.prompt_tokens} + ${rec.completion_tokens}`;
    tds[5].textContent = rec.finish_reason + (rec.error ? ` (${rec.error})` : '');
    METRICS.forEach((m, i) => (tds[6 + i].textContent = f2(rec.metrics[m])));
    c.row.dataset.state = 'done';
  }

  showSummary(metrics: MetricsRecord): void {
    const body = byId('summary').querySelector('tbody')!;
    body.replaceChildren();
    for (const p of Object.values(metrics.pathways)) {
      const tasks = Object.entries(p.tasks).sort(([a], [b]) => taskOrder(a) - taskOrder(b));
      for (const [task, s] of tasks) {
        body.append(el('tr', {}, el('td', {}, task), el('td', { className: 'num' }, String(s.count)), ...METRICS.map((m) => el('td', { className: 'num' }, `${f2(s.sum[m])} (${pct(s.mean[m])})`))));
      }
      body.append(
        el('tr', { className: 'overall' }, el('td', {}, 'all (mean × 100)'), el('td', { className: 'num' }, String(p.overall.count)), ...METRICS.map((m) => el('td', { className: 'num' }, pct(p.overall.mean[m])))),
      );
    }
  }
}
