// report.html of a browser run: the CLI's own report (bench/report) built from its pure parts,
// with its assets bundled, so the download equals what `ipdialog report` writes.
// Chart.js's UMD file sits behind its exports map; the relative path reaches it (see
// scoring/meteor-resources.ts for why relative).
import chartJs from '../../../node_modules/chart.js/dist/chart.umd.js?raw';
import clientJs from '../../../bench/report/client/report.js?raw';
import samplesJs from '../../../bench/report/client/samples.js?raw';
import css from '../../../bench/report/client/report.css?raw';
import { buildReportData, groundTruth, renderPage, type LoadedRun } from '../../../bench/report';
import type { MetricsRecord, PredictionRecord, RunRecord } from '../../../bench/runlog';
import type { DialogItem } from '../../../pathways';

export function renderReportHtml(run: RunRecord, predictions: PredictionRecord[], metrics: MetricsRecord, items: readonly DialogItem[]): Promise<string> {
  const loaded: LoadedRun = { dir: 'browser-run', run, predictions, metrics, judge: [], gt: groundTruth(items), notes: ['generated in the browser app'] };
  return renderPage(buildReportData([loaded], {}), { chartJs, clientJs, samplesJs, css });
}
