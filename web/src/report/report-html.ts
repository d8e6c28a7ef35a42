// report.html of a browser run: the CLI's own report (bench/report) built from its pure parts,
// with its three assets bundled, so the download equals what `ipdialog report` writes.
// Chart.js's UMD file sits behind its exports map; the relative path reaches it (see
// scoring/meteor-resources.ts for why relative).
import chartJs from '../../../node_modules/chart.js/dist/chart.umd.js?raw';
import clientJs from '../../../bench/report/client/report.js?raw';
import css from '../../../bench/report/client/report.css?raw';
import { itemKey } from '../../../bench/report/names';
import { renderPage } from '../../../bench/report/page';
import { buildReportData } from '../../../bench/report/report-data';
import type { GtRecord, LoadedRun } from '../../../bench/report/types';
import { gtRecord } from '../../../bench/runlog/records';
import type { MetricsRecord, PredictionRecord, RunRecord } from '../../../bench/runlog/schema';
import type { DialogItem } from '../../../pathways';

export function renderReportHtml(run: RunRecord, predictions: PredictionRecord[], metrics: MetricsRecord, items: readonly DialogItem[]): string {
  const gt: Record<string, GtRecord> = {};
  for (const item of items) gt[itemKey(item.task, item.index)] = gtRecord(item);
  const loaded: LoadedRun = { dir: 'browser-run', run, predictions, metrics, judge: [], gt, notes: ['generated in the browser app'] };
  return renderPage(buildReportData([loaded], {}), { chartJs, clientJs, css });
}
