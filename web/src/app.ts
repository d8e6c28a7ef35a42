import { pathwayTemplateHash, reduce, type MetricsRecord, type PredictionRecord, type RunRecord } from '../../bench/runlog';
import { IpdError } from '../../common';
import { getPathway } from '../../pathways';
import type { WebEngine } from './engine/web-engine';
import { planRun, runBenchmark, type RowResult, type RunRow, type RunSettings } from './run/benchmark-run';
import { generationLine, runRecord, toJsonl, type RunInfo } from './run/records';
import { describeBackend } from './ui/backend-badge';
import { renderCharts } from './ui/charts';
import { DataPanel } from './ui/data-panel';
import { byId, downloadText, setPageState } from './ui/dom';
import { clearError, showError } from './ui/error-box';
import { ModelPanel } from './ui/model-panel';
import { ResultsView } from './ui/results-view';

interface Finished {
  rows: RowResult[];
  predictions: PredictionRecord[];
  metrics: MetricsRecord;
  run: RunRecord;
}

const DOWNLOADS = ['dl-predictions', 'dl-metrics', 'dl-run', 'dl-report', 'dl-generations'];

/** Wires the three panels to one run at a time and to the downloads. */
export class App {
  private readonly results = new ResultsView();
  private readonly model: ModelPanel;
  private readonly data: DataPanel;
  private running?: RunRow[];
  private finished?: Finished;

  constructor() {
    const onError = (err: unknown) => {
      showError(err);
      setPageState('error');
      this.refresh();
    };
    this.model = new ModelPanel({
      onLoading: () => {
        clearError();
        setPageState('loading');
        this.refresh();
      },
      onLoaded: () => {
        setPageState('ready');
        this.refresh();
      },
      onError,
    });
    this.data = new DataPanel({ onLoaded: () => this.refresh(), onError });
    byId('run').addEventListener('click', () => void this.run());
    byId('stop').addEventListener('click', () => this.stop());
    byId('dl-predictions').addEventListener('click', () => this.finished && downloadText('predictions.jsonl', toJsonl(this.finished.predictions), 'application/jsonl'));
    byId('dl-metrics').addEventListener('click', () => this.finished && downloadText('metrics.json', `${JSON.stringify(this.finished.metrics, null, 2)}\n`));
    byId('dl-run').addEventListener('click', () => this.finished && downloadText('run.json', `${JSON.stringify(this.finished.run, null, 2)}\n`));
    byId('dl-generations').addEventListener('click', () => this.finished && downloadText('generations.jsonl', toJsonl(this.finished.rows.map((r) => generationLine(r.key, r.result))), 'application/jsonl'));
    byId('dl-report').addEventListener('click', () => void this.downloadReport());
    this.refresh();
  }

  private refresh(): void {
    const busy = Boolean(this.running) || document.body.dataset.state === 'loading';
    byId<HTMLButtonElement>('run').disabled = busy || !this.model.engine || !this.data.dataset;
    byId<HTMLButtonElement>('stop').disabled = !this.running;
    for (const id of DOWNLOADS) byId<HTMLButtonElement>(id).disabled = busy || !this.finished;
  }

  private async run(): Promise<void> {
    const engine = this.model.engine;
    const dataset = this.data.dataset;
    if (!engine || !dataset || this.running) return;
    clearError();
    const status = byId('run-status');
    let settings: RunSettings;
    let rows: RunRow[];
    try {
      settings = this.data.settings();
      rows = planRun(dataset.items, settings);
      if (rows.length === 0) throw new IpdError('USAGE', 'the dataset has no items of the chosen tasks');
    } catch (err) {
      showError(err);
      return;
    }
    this.finished = undefined;
    this.running = rows;
    setPageState('running');
    this.results.reset(rows);
    this.refresh();
    const startedAt = new Date().toISOString();
    try {
      const done = await runBenchmark(engine, rows, settings, {
        onStatus: (t) => (status.textContent = t),
        onText: (key, delta) => this.results.appendText(key, delta),
        onRowDone: (r) => this.results.rowDone(r),
      });
      await this.finish(engine, dataset, settings, done, startedAt);
      const stats = this.finished!.run.stats;
      const stopped = this.finished!.run.status === 'cancelled' ? ' (stopped: aborted items keep the text they had)' : '';
      status.textContent = `Done: ${done.length} item(s) in ${stats.generation_seconds.toFixed(1)} s, ${stats.tokens_per_second.toFixed(0)} tokens/s${stopped}.`;
      setPageState('done');
    } catch (err) {
      showError(err);
      status.textContent = 'The run failed.';
      setPageState('error');
    } finally {
      this.running = undefined;
      this.refresh();
    }
  }

  private async finish(engine: WebEngine, dataset: NonNullable<DataPanel['dataset']>, settings: RunSettings, rows: RowResult[], startedAt: string): Promise<void> {
    const predictions = rows.map((r) => r.record);
    const metrics = reduce({ predictions, pathways: [settings.pathway] });
    const info = engine.info;
    const aborted = rows.some((r) => r.result.finishReason === 'abort');
    const runInfo: RunInfo = {
      model: info.modelId,
      ...(info.dtype && { dtype: info.dtype }),
      ...(info.engine === 'onnxruntime-web' && { numerics: 'exact' as const }),
      pathwayTemplate: await pathwayTemplateHash(getPathway(settings.pathway)),
      backend: info.engine === 'web-llm' ? 'web-llm' : 'ort-web',
      engine: `ip-dialog web (${info.engine})`,
      device: describeBackend(info),
      packages: info.packages,
      pathway: settings.pathway,
      dataFile: dataset.fileName,
      dataSha256: dataset.sha256,
      perTask: settings.perTask,
      maxNewTokens: settings.maxNewTokens,
      startedAt,
      finishedAt: new Date().toISOString(),
      status: aborted ? 'cancelled' : 'success',
      platform: navigator.userAgent,
    };
    this.finished = { rows, predictions, metrics, run: runRecord(runInfo, predictions, rows.length) };
    this.results.showSummary(metrics);
    renderCharts(metrics);
  }

  private stop(): void {
    for (const r of this.running ?? []) this.model.engine?.abort(r.key);
  }

  private async downloadReport(): Promise<void> {
    const f = this.finished;
    if (!f) return;
    try {
      const { renderReportHtml } = await import('./report/report-html');
      downloadText('report.html', await renderReportHtml(f.run, f.predictions, f.metrics, f.rows.map((r) => r.entry.item)), 'text/html');
    } catch (err) {
      showError(err);
    }
  }
}
