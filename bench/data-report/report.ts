// quality.json: the figures of a set, optionally its reference's and the pipeline's, with
// the side-by-side rows and the flags.
import type { DialogItem } from '../../pathways';
import { compareFigures, type ComparisonRow, type Flag } from './compare';
import type { PipelineFigures } from './pipeline-stats';
import { DEFAULT_QUALITY_SETTINGS, TEXT_FIELDS, computeQuality, fieldTexts, type QualityFigures, type QualitySettings, type TextField } from './quality';

export const QUALITY_REPORT_VERSION = 1;

export interface QualityReport {
  version: typeof QUALITY_REPORT_VERSION;
  generated_at: string;
  settings: QualitySettings;
  set: QualityFigures;
  /** the same figures for --reference; null without one */
  reference: QualityFigures | null;
  /** from --stats; null without one */
  pipeline: PipelineFigures | null;
  /** where the set falls short (warn) or differs notably (info) */
  flags: Flag[];
  /** every scalar figure with the reference's beside it */
  comparison: ComparisonRow[];
}

export interface DataSetInput {
  file: string;
  items: readonly DialogItem[];
  skippedLines?: number;
}

export interface BuildReportOptions {
  reference?: DataSetInput;
  pipeline?: PipelineFigures;
  settings?: Partial<QualitySettings>;
  /** for reproducible output in tests */
  now?: Date;
}

export function buildQualityReport(set: DataSetInput, opts: BuildReportOptions = {}): QualityReport {
  const settings = { ...DEFAULT_QUALITY_SETTINGS, ...opts.settings };
  const setTexts = fieldTexts(set.items);
  const refTexts = opts.reference ? fieldTexts(opts.reference.items) : null;
  // Self-BLEU rises with the number of texts compared, so both sets use the same sample size.
  const samples = Object.fromEntries(
    TEXT_FIELDS.map((f) => [f, Math.min(settings.self_bleu_sample, setTexts[f].length, refTexts ? refTexts[f].length : Infinity)]),
  ) as Record<TextField, number>;
  const figures = computeQuality(set.items, { file: set.file, skippedLines: set.skippedLines, settings, selfBleuSamples: samples, texts: setTexts });
  const reference = opts.reference
    ? computeQuality(opts.reference.items, { file: opts.reference.file, skippedLines: opts.reference.skippedLines, settings, selfBleuSamples: samples, texts: refTexts! })
    : null;
  const { rows, flags } = compareFigures(figures, reference);
  return {
    version: QUALITY_REPORT_VERSION,
    generated_at: (opts.now ?? new Date()).toISOString(),
    settings,
    set: figures,
    reference,
    pipeline: opts.pipeline ?? null,
    flags,
    comparison: rows,
  };
}
