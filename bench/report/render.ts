// Reading run folders and the page's assets from disk, rendering the page, writing it.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpdError } from '../../common';
import { writeFileAtomic } from '../atomic-write';
import { RUN_FILES } from '../runlog';
import { loadRun } from './load-run';
import { loadReference } from './reference';
import { renderPage, type PageAssets } from './page';
import { buildReportData } from './report-data';
import type { LoadedRun, ReferenceData, ReportOptions } from './types';

export interface RenderOptions extends Omit<ReportOptions, 'reference'> {
  /** The paper's tables: loaded data, or the folder holding them. */
  reference?: ReferenceData | string;
}

let assetsPromise: Promise<PageAssets> | undefined;

/** Chart.js's UMD bundle and the client scripts and styles, read once per process. */
export function loadPageAssets(): Promise<PageAssets> {
  assetsPromise ??= (async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    // chart.js's exports map hides dist/; its main entry sits beside the UMD bundle.
    const chartMain = createRequire(import.meta.url).resolve('chart.js');
    const chartFile = path.join(path.dirname(chartMain), 'chart.umd.js');
    const read = async (file: string) => {
      try {
        return await readFile(file, 'utf8');
      } catch (err) {
        throw new IpdError('INTERNAL', `cannot read report asset ${file}`, { file, hint: 'reinstall with `npm ci`', cause: err });
      }
    };
    const [chartJs, clientJs, samplesJs, css] = await Promise.all([
      read(chartFile),
      read(path.join(here, 'client', 'report.js')),
      read(path.join(here, 'client', 'samples.js')),
      read(path.join(here, 'client', 'report.css')),
    ]);
    return { chartJs, clientJs, samplesJs, css };
  })();
  return assetsPromise;
}

async function resolveRuns(runs: readonly (string | LoadedRun)[]): Promise<LoadedRun[]> {
  return Promise.all(runs.map((r) => (typeof r === 'string' ? loadRun(r) : r)));
}

async function resolveOptions(opts: RenderOptions): Promise<ReportOptions> {
  const { reference, ...rest } = opts;
  if (reference === undefined) return rest;
  return { ...rest, reference: typeof reference === 'string' ? await loadReference(reference) : reference };
}

/** The report of one run: a run folder, or a run already loaded. */
export async function renderRunReport(run: string | LoadedRun, opts: RenderOptions = {}): Promise<string> {
  return renderComparison([run], opts);
}

/** Several runs side by side, optionally with the paper's rows for the same pathways. */
export async function renderComparison(runs: readonly (string | LoadedRun)[], opts: RenderOptions = {}): Promise<string> {
  if (runs.length === 0) throw new IpdError('USAGE', 'nothing to report: no run folders given');
  const [loaded, resolved, assets] = await Promise.all([resolveRuns(runs), resolveOptions(opts), loadPageAssets()]);
  return renderPage(buildReportData(loaded, resolved), assets);
}

/** Writes DIR/report.html (or `out`) and returns its path. */
export async function writeRunReport(runDir: string, opts: RenderOptions & { out?: string } = {}): Promise<string> {
  const { out, ...rest } = opts;
  const file = out ?? path.join(runDir, RUN_FILES.report);
  writeFileAtomic(file, await renderRunReport(runDir, rest));
  return file;
}

/** Writes the comparison page to `out` and returns its path. */
export async function writeComparison(runs: readonly (string | LoadedRun)[], out: string, opts: RenderOptions = {}): Promise<string> {
  writeFileAtomic(out, await renderComparison(runs, opts));
  return out;
}
