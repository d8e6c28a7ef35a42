// Node entry of the data report: read the set, the reference and stats.json, write
// OUT/quality.json and OUT/quality.html.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpdError } from '../../common';
import { writeFileAtomic, writeJsonAtomic } from '../atomic-write';
import { readDataset, resolveDataFile } from '../../pathways/node';
import { loadPageAssets } from '../report/node';
import { renderDataReportPage, type DataReportAssets } from './page';
import { pipelineFigures } from './pipeline-stats';
import type { QualitySettings } from './quality';
import { buildQualityReport, type DataSetInput, type QualityReport } from './report';

export const QUALITY_FILES = { json: 'quality.json', html: 'quality.html' } as const;

/** --reference official: the official test set, from the cache (downloaded once). */
export const OFFICIAL_REFERENCE = 'official';

export interface DataReportConfig {
  data: string;
  out: string;
  reference?: string;
  stats?: string;
  skipInvalid?: boolean;
  settings?: Partial<QualitySettings>;
}

async function readSet(file: string, skipInvalid: boolean): Promise<DataSetInput> {
  const parsed = await readDataset(file, { skipInvalid });
  return { file, items: parsed.items.map((x) => x.item), skippedLines: parsed.skipped.length ? new Set(parsed.skipped.map((p) => p.line)).size : 0 };
}

async function readStats(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new IpdError('DATA_NOT_FOUND', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file, hint: 'pass --stats OUT/stats.json of an `ipdialog datagen` run', cause: err });
  }
  return pipelineFigures(text, file);
}

export async function loadDataReportAssets(): Promise<DataReportAssets> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const [base, clientJs, css] = await Promise.all([
    loadPageAssets(),
    readFile(path.join(here, 'client', 'data-report.js'), 'utf8'),
    readFile(path.join(here, 'client', 'data-report.css'), 'utf8'),
  ]);
  return { chartJs: base.chartJs, baseCss: base.css, clientJs, css };
}

export async function createDataReport(cfg: Omit<DataReportConfig, 'out'>): Promise<QualityReport> {
  const referenceFile = cfg.reference === OFFICIAL_REFERENCE ? await resolveDataFile() : cfg.reference;
  const [set, reference, pipeline] = await Promise.all([
    readSet(cfg.data, cfg.skipInvalid ?? false),
    referenceFile ? readSet(referenceFile, false) : undefined,
    cfg.stats ? readStats(cfg.stats) : undefined,
  ]);
  return buildQualityReport(set, { reference, pipeline, settings: cfg.settings });
}

/** Writes OUT/quality.json and OUT/quality.html; returns the report and the two paths. */
export async function writeDataReport(cfg: DataReportConfig): Promise<{ report: QualityReport; json: string; html: string }> {
  const report = await createDataReport(cfg);
  const page = await renderDataReportPage(report, await loadDataReportAssets());
  const json = path.join(cfg.out, QUALITY_FILES.json);
  const html = path.join(cfg.out, QUALITY_FILES.html);
  writeJsonAtomic(json, report);
  writeFileAtomic(html, page);
  return { report, json, html };
}
