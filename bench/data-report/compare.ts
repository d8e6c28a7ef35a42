/**
 * The side-by-side view: every scalar figure of the set next to the reference set's, and
 * the flags where the set falls short. Thresholds are constants here so the README and the
 * page can quote them.
 */
import { GROUP_KEY_ORDER, TASKS } from '../../pathways';
import { FIELD_LABELS, LENGTH_LABELS, TEXT_FIELDS, type LengthFigures, type QualityFigures } from './quality';

/** A set whose dedup step would drop more than this share of its items (beyond the reference's) is flagged. */
export const DUPLICATE_SHARE_LIMIT = 0.01;
/** An attribute is skewed when its distance from the sampling rules exceeds this ... */
export const SKEW_TVD_LIMIT = 0.1;
/** ... and twice the distance sampling noise gives for as many groups ... */
export const SKEW_NOISE_FACTOR = 2;
/** ... and, with a reference, the reference's distance by this much. */
export const SKEW_MARGIN = 0.05;
/** Diversity below (Self-BLEU above) the reference's by more than this fraction is flagged. */
export const DIVERSITY_TOLERANCE = 0.1;
/** A mean length this far (as a fraction) from the reference's is noted. */
export const LENGTH_TOLERANCE = 0.25;

export type FlagCode =
  | 'near_duplicates'
  | 'attribute_skew'
  | 'attribute_missing'
  | 'rule_violations'
  | 'related_mismatch'
  | 'low_diversity'
  | 'missing_tasks'
  | 'domain_coverage'
  | 'length_shift';

export interface Flag {
  code: FlagCode;
  /** warn: the set falls short; info: a difference worth knowing */
  severity: 'warn' | 'info';
  /** the comparison row (figure path) it is about */
  figure: string;
  message: string;
  value: number | null;
  reference: number | null;
}

export type Section = 'overview' | 'diversity' | 'lengths' | 'attributes' | 'duplicates';

export interface ComparisonRow {
  section: Section;
  /** where the figure sits in quality.json's `set` / `reference` */
  figure: string;
  label: string;
  value: number | null;
  reference: number | null;
  /** which way is better, where one is */
  better?: 'higher' | 'lower';
  /** the flag raised on this figure */
  flag?: FlagCode;
}

interface RowSpec {
  section: Section;
  figure: string;
  label: string;
  get: (q: QualityFigures) => number | null;
  better?: 'higher' | 'lower';
}

function rowSpecs(): RowSpec[] {
  const specs: RowSpec[] = [
    { section: 'overview', figure: 'items', label: 'Items', get: (q) => q.items },
    { section: 'overview', figure: 'histories.distinct', label: 'Distinct histories', get: (q) => q.histories.distinct },
    { section: 'overview', figure: 'histories.items_per_history', label: 'Items per history', get: (q) => q.histories.items_per_history },
    { section: 'overview', figure: 'attributes.groups', label: 'Distinct user attribute groups', get: (q) => q.attributes.groups },
    { section: 'overview', figure: 'attributes.related.distinct_sets', label: 'Distinct related-attribute sets', get: (q) => q.attributes.related.distinct_sets },
    { section: 'overview', figure: 'tasks.covered', label: 'Tasks covered (of 10)', get: (q) => TASKS.length - q.tasks.missing.length, better: 'higher' },
  ];
  for (const f of TEXT_FIELDS) {
    const p = `lexical.${f}`;
    const L = FIELD_LABELS[f];
    specs.push(
      { section: 'diversity', figure: `${p}.equal_size.ttr`, label: `${L}: type-token ratio (equal-size windows)`, get: (q) => q.lexical[f].equal_size.ttr, better: 'higher' },
      { section: 'diversity', figure: `${p}.equal_size.distinct_2`, label: `${L}: distinct-2 (equal-size windows)`, get: (q) => q.lexical[f].equal_size.distinct_2, better: 'higher' },
      { section: 'diversity', figure: `${p}.equal_size.distinct_3`, label: `${L}: distinct-3 (equal-size windows)`, get: (q) => q.lexical[f].equal_size.distinct_3, better: 'higher' },
      { section: 'diversity', figure: `${p}.self_bleu.value`, label: `${L}: Self-BLEU-4`, get: (q) => q.lexical[f].self_bleu.value, better: 'lower' },
      { section: 'diversity', figure: `${p}.distinct_1`, label: `${L}: distinct-1 (whole set)`, get: (q) => q.lexical[f].distinct_1 },
      { section: 'diversity', figure: `${p}.distinct_2`, label: `${L}: distinct-2 (whole set)`, get: (q) => q.lexical[f].distinct_2 },
      { section: 'diversity', figure: `${p}.distinct_3`, label: `${L}: distinct-3 (whole set)`, get: (q) => q.lexical[f].distinct_3 },
      { section: 'diversity', figure: `${p}.texts`, label: `${L}: texts`, get: (q) => q.lexical[f].texts },
      { section: 'diversity', figure: `${p}.types`, label: `${L}: distinct words`, get: (q) => q.lexical[f].types },
    );
  }
  for (const key of Object.keys(LENGTH_LABELS) as Array<keyof LengthFigures>) {
    for (const stat of ['mean', 'median', 'p10', 'p90'] as const) {
      specs.push({ section: 'lengths', figure: `lengths.${key}.${stat}`, label: `${LENGTH_LABELS[key]}: ${stat}`, get: (q) => q.lengths[key][stat] });
    }
  }
  for (const key of GROUP_KEY_ORDER) {
    specs.push(
      { section: 'attributes', figure: `attributes.per_attribute.${key}.tvd`, label: `${key}: distance from the sampling rules (TVD)`, get: (q) => q.attributes.per_attribute[key].tvd, better: 'lower' },
      { section: 'attributes', figure: `attributes.per_attribute.${key}.missing_values`, label: `${key}: allowed values never seen`, get: (q) => q.attributes.per_attribute[key].missing_values.length, better: 'lower' },
    );
  }
  specs.push(
    { section: 'attributes', figure: 'attributes.rule_violations.items', label: 'Items breaking a sampling rule', get: (q) => q.attributes.rule_violations.items, better: 'lower' },
    { section: 'attributes', figure: 'attributes.related.value_mismatches', label: 'Items whose related values differ from the user’s', get: (q) => q.attributes.related.value_mismatches, better: 'lower' },
    { section: 'attributes', figure: 'attributes.related.set_size.mean', label: 'Related attributes per item: mean', get: (q) => q.attributes.related.set_size.mean },
    { section: 'duplicates', figure: 'near_duplicates.near_pairs', label: 'Near-duplicate pairs', get: (q) => q.near_duplicates.near_pairs, better: 'lower' },
    { section: 'duplicates', figure: 'near_duplicates.pair_share', label: 'Share of same-task pairs that are near-duplicates', get: (q) => q.near_duplicates.pair_share, better: 'lower' },
    { section: 'duplicates', figure: 'near_duplicates.items_involved', label: 'Items with a near-duplicate', get: (q) => q.near_duplicates.items_involved, better: 'lower' },
    { section: 'duplicates', figure: 'near_duplicates.drop_share', label: 'Share of items the dedup step would drop', get: (q) => q.near_duplicates.drop_share, better: 'lower' },
  );
  return specs;
}

export function compareFigures(set: QualityFigures, ref: QualityFigures | null): { rows: ComparisonRow[]; flags: Flag[] } {
  const flags = findFlags(set, ref);
  const flagged = new Map(flags.map((f) => [f.figure, f.code]));
  const rows = rowSpecs().map(({ section, figure, label, get, better }) => ({
    section,
    figure,
    label,
    value: get(set),
    reference: ref ? get(ref) : null,
    ...(better && { better }),
    ...(flagged.has(figure) && { flag: flagged.get(figure) }),
  }));
  return { rows, flags };
}

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null, d = 3) => (x === null ? '–' : x.toFixed(d));

export function findFlags(set: QualityFigures, ref: QualityFigures | null): Flag[] {
  const flags: Flag[] = [];
  const add = (code: FlagCode, severity: Flag['severity'], figure: string, message: string, value: number | null, reference: number | null) =>
    flags.push({ code, severity, figure, message, value, reference });

  const dup = set.near_duplicates;
  const refDrop = ref?.near_duplicates.drop_share ?? 0;
  if (dup.drop_share !== null && dup.drop_share > refDrop + DUPLICATE_SHARE_LIMIT) {
    add('near_duplicates', 'warn', 'near_duplicates.drop_share', `${dup.would_drop} of ${set.items} items (${pct(dup.drop_share)}) are near-duplicates the dedup step would drop (cosine ≥ ${dup.threshold}, ${dup.near_pairs} ${dup.near_pairs === 1 ? 'pair' : 'pairs'})${ref ? `; reference ${pct(refDrop)}` : ''}`, dup.drop_share, ref ? refDrop : null);
  }

  for (const key of GROUP_KEY_ORDER) {
    const a = set.attributes.per_attribute[key];
    const r = ref?.attributes.per_attribute[key];
    const limit = Math.max(SKEW_TVD_LIMIT, SKEW_NOISE_FACTOR * a.noise_tvd, r ? r.tvd + SKEW_MARGIN : 0);
    if (a.tvd > limit) {
      const worst = Object.keys(a.shares).sort((x, y) => Math.abs(a.shares[y] - a.expected_shares[y]) - Math.abs(a.shares[x] - a.expected_shares[x]))[0];
      add('attribute_skew', 'warn', `attributes.per_attribute.${key}.tvd`, `${key} is skewed against the sampling rules: distance ${num(a.tvd)} (limit ${num(limit)}${r ? `, reference ${num(r.tvd)}` : ''}); ${worst} is ${pct(a.shares[worst])} of items, the rules give ${pct(a.expected_shares[worst])}`, a.tvd, r?.tvd ?? null);
    }
    if (a.missing_expected.length > 0) {
      add('attribute_missing', 'warn', `attributes.per_attribute.${key}.missing_values`, `${key}: no item has ${a.missing_expected.join(', ')}, though the rules would give ${set.attributes.groups} groups at least 5 with each`, a.missing_values.length, r?.missing_values.length ?? null);
    }
  }

  const v = set.attributes.rule_violations;
  if (v.items > 0 && (!ref || v.items / set.items > ref.attributes.rule_violations.items / ref.items)) {
    const top = Object.entries(v.reasons).sort((x, y) => y[1] - x[1]).slice(0, 3).map(([reason, n]) => `${reason} (${n})`).join(', ');
    add('rule_violations', 'warn', 'attributes.rule_violations.items', `${v.items} item(s) have a user attribute group the sampling rules never draw: ${top}`, v.items, ref?.attributes.rule_violations.items ?? null);
  }
  const mm = set.attributes.related.value_mismatches;
  if (mm > 0 && (!ref || mm / set.items > ref.attributes.related.value_mismatches / ref.items)) {
    add('related_mismatch', 'warn', 'attributes.related.value_mismatches', `${mm} item(s) list a related attribute value that is not the user’s own`, mm, ref?.attributes.related.value_mismatches ?? null);
  }

  if (ref) {
    for (const f of TEXT_FIELDS) {
      const s = set.lexical[f];
      const r = ref.lexical[f];
      const base = `lexical.${f}`;
      for (const [key, label] of [['ttr', 'type-token ratio'], ['distinct_2', 'distinct-2']] as const) {
        const sv = s.equal_size[key];
        const rv = r.equal_size[key];
        if (sv !== null && rv !== null && sv < rv * (1 - DIVERSITY_TOLERANCE)) {
          add('low_diversity', 'warn', `${base}.equal_size.${key}`, `${FIELD_LABELS[f]} are less diverse than the reference: ${label} ${num(sv)} vs ${num(rv)} on ${s.equal_size.window_tokens}-token windows`, sv, rv);
        }
      }
      const sb = s.self_bleu.value;
      const rb = r.self_bleu.value;
      if (sb !== null && rb !== null && sb > rb * (1 + DIVERSITY_TOLERANCE)) {
        add('low_diversity', 'warn', `${base}.self_bleu.value`, `${FIELD_LABELS[f]} repeat each other more than the reference’s: Self-BLEU-4 ${num(sb)} vs ${num(rb)} (samples of ${s.self_bleu.sample} and ${r.self_bleu.sample})`, sb, rb);
      }
    }
    const lacking = TASKS.filter((t) => set.tasks.counts[t] === 0 && ref.tasks.counts[t] > 0);
    if (lacking.length) add('missing_tasks', 'info', 'tasks.covered', `no items for ${lacking.join(', ')} (the reference has them)`, TASKS.length - set.tasks.missing.length, TASKS.length - ref.tasks.missing.length);
    for (const key of Object.keys(LENGTH_LABELS) as Array<keyof LengthFigures>) {
      const sm = set.lengths[key].mean;
      const rm = ref.lengths[key].mean;
      if (sm !== null && rm !== null && rm > 0 && Math.abs(sm - rm) / rm > LENGTH_TOLERANCE) {
        add('length_shift', 'info', `lengths.${key}.mean`, `${LENGTH_LABELS[key]}: mean ${num(sm, 1)} vs the reference’s ${num(rm, 1)}`, sm, rm);
      }
    }
  }
  for (const [task, d] of Object.entries(set.tasks.domains)) {
    if (d.listed > 0 && d.covered < d.listed / 2) add('domain_coverage', 'info', `tasks.domains.${task}`, `${task}: items in ${d.covered} of its ${d.listed} listed domains`, d.covered, ref?.tasks.domains[task]?.covered ?? null);
  }
  return flags;
}
