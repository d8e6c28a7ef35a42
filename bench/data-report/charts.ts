// Chart descriptions for quality.html, built from the report; the page's client script
// only hands them to Chart.js.
import { ATTRIBUTE_DICT, GROUP_KEY_ORDER, TASKS } from '../../pathways';
import type { Distribution } from './distribution';
import { LENGTH_LABELS, TEXT_FIELDS, type LengthFigures } from './quality';
import type { QualityReport } from './report';

export const SET_COLOR = '#0969da';
export const REFERENCE_COLOR = '#8c959f';
export const RULES_COLOR = '#cf222e';

export interface ChartDataset {
  label: string;
  data: Array<number | null>;
  color: string;
  /** 'marks': short horizontal marks over the bars (expected values), no bars */
  kind: 'bar' | 'marks';
  stack?: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  labels: string[];
  datasets: ChartDataset[];
  yTitle: string;
  /** values are shares: the axis reads in percent */
  percent?: boolean;
  stacked?: boolean;
}

/** Most bins a length histogram gets; wider value ranges are grouped. */
const MAX_BINS = 30;

/**
 * One histogram per set over shared bins, as shares of the set (sets of different size
 * compare). Bin labels are value ranges, "lo–hi".
 */
export function histogram(dists: ReadonlyArray<Distribution | null>): { labels: string[]; shares: Array<Array<number | null>> } {
  const present = dists.filter((d): d is Distribution => d !== null && d.count > 0);
  if (present.length === 0) return { labels: [], shares: dists.map(() => []) };
  const lo = Math.min(...present.map((d) => d.min!));
  const hi = Math.max(...present.map((d) => d.max!));
  const width = Math.max(1, Math.ceil((hi - lo + 1) / MAX_BINS));
  const bins = Math.floor((hi - lo) / width) + 1;
  const labels = Array.from({ length: bins }, (_, b) => (width === 1 ? String(lo + b) : `${lo + b * width}–${lo + (b + 1) * width - 1}`));
  const shares = dists.map((d) => {
    if (!d || d.count === 0) return labels.map(() => null);
    const out = new Array<number>(bins).fill(0);
    for (const [value, n] of Object.entries(d.counts)) out[Math.floor((Number(value) - lo) / width)] += n / d.count;
    return out;
  });
  return { labels, shares };
}

export function buildCharts(report: QualityReport): ChartSpec[] {
  const { set, reference: ref } = report;
  const pair = (s: Array<number | null>, r: Array<number | null> | null): ChartDataset[] => [
    { label: 'this set', data: s, color: SET_COLOR, kind: 'bar' },
    ...(r ? [{ label: 'reference', data: r, color: REFERENCE_COLOR, kind: 'bar' as const }] : []),
  ];
  const charts: ChartSpec[] = [];

  const measures = [
    ['TTR', (f: (typeof TEXT_FIELDS)[number], q: typeof set) => q.lexical[f].equal_size.ttr],
    ['distinct-2', (f: (typeof TEXT_FIELDS)[number], q: typeof set) => q.lexical[f].equal_size.distinct_2],
    ['distinct-3', (f: (typeof TEXT_FIELDS)[number], q: typeof set) => q.lexical[f].equal_size.distinct_3],
    ['Self-BLEU', (f: (typeof TEXT_FIELDS)[number], q: typeof set) => q.lexical[f].self_bleu.value],
  ] as const;
  const categories = TEXT_FIELDS.flatMap((f) => measures.map(([m, get]) => ({ label: `${f} ${m}`, get: (q: typeof set) => get(f, q) })));
  charts.push({
    id: 'chart-diversity',
    title: `Lexical diversity on ${report.settings.window_tokens}-token windows; Self-BLEU-4 on equal samples (lower is more diverse)`,
    labels: categories.map((c) => c.label),
    datasets: pair(categories.map((c) => c.get(set)), ref && categories.map((c) => c.get(ref))),
    yTitle: 'value (0–1)',
  });

  for (const key of Object.keys(LENGTH_LABELS) as Array<keyof LengthFigures>) {
    const h = histogram([set.lengths[key], ref?.lengths[key] ?? null]);
    charts.push({ id: `chart-length-${key}`, title: LENGTH_LABELS[key], labels: h.labels, datasets: pair(h.shares[0], ref && h.shares[1]), yTitle: 'share', percent: true });
  }

  for (const key of GROUP_KEY_ORDER) {
    const values = ATTRIBUTE_DICT[key];
    const a = set.attributes.per_attribute[key];
    charts.push({
      id: `chart-attr-${key}`,
      title: `${key} (TVD from the rules ${a.tvd.toFixed(3)})`,
      labels: [...values],
      datasets: [
        ...pair(values.map((v) => a.shares[v]), ref && values.map((v) => ref.attributes.per_attribute[key].shares[v])),
        { label: 'sampling rules', data: values.map((v) => a.expected_shares[v]), color: RULES_COLOR, kind: 'marks' },
      ],
      yTitle: 'share of items',
      percent: true,
    });
  }

  const sizes = histogram([set.attributes.related.set_size, ref?.attributes.related.set_size ?? null]);
  charts.push({ id: 'chart-related-size', title: 'Related attributes per item', labels: sizes.labels, datasets: pair(sizes.shares[0], ref && sizes.shares[1]), yTitle: 'share of items', percent: true });
  const relatedShare = (q: typeof set) => GROUP_KEY_ORDER.map((k) => (q.items ? (q.attributes.related.per_attribute[k] ?? 0) / q.items : null));
  charts.push({ id: 'chart-related-attrs', title: 'Items whose related attributes include the attribute', labels: [...GROUP_KEY_ORDER], datasets: pair(relatedShare(set), ref && relatedShare(ref)), yTitle: 'share of items', percent: true });
  const taskShare = (q: typeof set) => TASKS.map((t) => (q.items ? q.tasks.counts[t] / q.items : null));
  charts.push({ id: 'chart-tasks', title: 'Items per task', labels: [...TASKS], datasets: pair(taskShare(set), ref && taskShare(ref)), yTitle: 'share of items', percent: true });

  if (report.pipeline) {
    const steps = report.pipeline.steps;
    charts.push({
      id: 'chart-pipeline',
      title: 'Units per pipeline step',
      labels: steps.map((s) => s.step),
      datasets: [
        { label: 'passed', data: steps.map((s) => s.passed), color: '#1a7f37', kind: 'bar', stack: 'units' },
        { label: 'dropped', data: steps.map((s) => s.dropped), color: RULES_COLOR, kind: 'bar', stack: 'units' },
      ],
      yTitle: 'units',
      stacked: true,
    });
  }
  return charts;
}
