/**
 * Attribute, task and domain coverage against the data-generation sampling rules
 * (pathways/datagen/attribute-groups.ts): which values a set's users have, how far that is
 * from what uniform sampling of valid groups gives, which groups break the rules, and how
 * the GT related-attribute sets look.
 */
import {
  ATTRIBUTE_DICT,
  GROUP_KEY_ORDER,
  HEALTH_WEIGHTS,
  NUM_GROUPS_WITHOUT_HEALTH,
  TASKS,
  attributeGroupViolations,
  enumerateAttributeGroups,
  taskDomains,
  type DialogItem,
} from '../../pathways';
import { describe, shares, totalVariation, type Distribution } from './distribution';

export interface AttributeCoverage {
  /** items per value, every allowed value listed */
  counts: Record<string, number>;
  /** counts / items */
  shares: Record<string, number>;
  /** the share each value gets when groups are drawn by the sampling rules */
  expected_shares: Record<string, number>;
  /** total variation distance between shares and expected_shares (0 = as the rules draw, 1 = disjoint) */
  tvd: number;
  /**
   * The TVD that sampling noise alone gives on average for as many distinct groups as the
   * set has: 1/2 sum over values of sqrt(2 p (1 - p) / (pi n)), the mean absolute deviation
   * of each share under the normal approximation.
   */
  noise_tvd: number;
  /** allowed values no item has */
  missing_values: string[];
  /** of those, values the rules make common enough to expect at least 5 groups with them */
  missing_expected: string[];
}

export interface AttributeFigures {
  /** distinct user attribute groups */
  groups: number;
  per_attribute: Record<string, AttributeCoverage>;
  /** items whose group breaks a sampling rule, and the broken rules with their counts */
  rule_violations: { items: number; reasons: Record<string, number> };
  related: {
    /** related attributes per item */
    set_size: Distribution;
    /** items whose related attributes include the attribute */
    per_attribute: Record<string, number>;
    distinct_sets: number;
    /** items with a related attribute whose value differs from the user's own */
    value_mismatches: number;
  };
}

export interface TaskFigures {
  /** items per task, all ten tasks listed */
  counts: Record<string, number>;
  /** tasks without items */
  missing: string[];
  /** per task with domains: items per domain, and how many of the task's listed domains occur */
  domains: Record<string, { counts: Record<string, number>; covered: number; listed: number; unlisted: string[] }>;
}

let expectedCache: Record<string, Record<string, number>> | undefined;

/**
 * Each attribute value's share over the valid groups, each weighted by its health draw
 * (70/20/10): exactly what sampleAttributeGroups draws from.
 */
export function expectedAttributeShares(): Record<string, Record<string, number>> {
  if (expectedCache) return expectedCache;
  // Integer counts per health value first: summing a million tiny weights would drift.
  const counts = new Map<string, Record<string, Record<string, number>>>();
  for (const [health] of HEALTH_WEIGHTS) counts.set(health, Object.fromEntries(GROUP_KEY_ORDER.map((k) => [k, Object.fromEntries(ATTRIBUTE_DICT[k].map((v) => [v, 0]))])));
  for (const g of enumerateAttributeGroups()) {
    const c = counts.get(g.health)!;
    for (const key of GROUP_KEY_ORDER) c[key][g[key]]++;
  }
  const out: Record<string, Record<string, number>> = {};
  for (const key of GROUP_KEY_ORDER) {
    out[key] = Object.fromEntries(
      ATTRIBUTE_DICT[key].map((v) => [v, HEALTH_WEIGHTS.reduce((sum, [health, w]) => sum + (w * counts.get(health)![key][v]) / NUM_GROUPS_WITHOUT_HEALTH, 0)]),
    );
  }
  expectedCache = out;
  return out;
}

export function noiseTvd(expected: Readonly<Record<string, number>>, n: number): number {
  if (n <= 0) return 1;
  let sum = 0;
  for (const p of Object.values(expected)) sum += Math.sqrt((2 * p * (1 - p)) / (Math.PI * n));
  return sum / 2;
}

export function attributeFigures(items: readonly DialogItem[]): AttributeFigures {
  const expected = expectedAttributeShares();
  const groups = new Set(items.map((it) => GROUP_KEY_ORDER.map((k) => it.user_attr_group[k]).join('|'))).size;
  const perAttribute: Record<string, AttributeCoverage> = {};
  for (const key of GROUP_KEY_ORDER) {
    const values = ATTRIBUTE_DICT[key];
    const counts: Record<string, number> = Object.fromEntries(values.map((v) => [v, 0]));
    for (const it of items) counts[it.user_attr_group[key]]++;
    const observed = shares(counts, values);
    const missing = values.filter((v) => counts[v] === 0);
    perAttribute[key] = {
      counts,
      shares: observed,
      expected_shares: expected[key],
      tvd: totalVariation(observed, expected[key]),
      noise_tvd: noiseTvd(expected[key], groups),
      missing_values: missing,
      missing_expected: missing.filter((v) => expected[key][v] * groups >= 5),
    };
  }
  const reasons: Record<string, number> = {};
  let violating = 0;
  for (const it of items) {
    const broken = attributeGroupViolations(it.user_attr_group);
    if (broken.length) violating++;
    for (const r of broken) reasons[r] = (reasons[r] ?? 0) + 1;
  }
  const relatedPer: Record<string, number> = Object.fromEntries(GROUP_KEY_ORDER.map((k) => [k, 0]));
  let mismatches = 0;
  for (const it of items) {
    const related = it.GT.related_attributes;
    for (const key of Object.keys(related)) relatedPer[key] = (relatedPer[key] ?? 0) + 1;
    if (Object.entries(related).some(([k, v]) => it.user_attr_group[k] !== v)) mismatches++;
  }
  const setKey = (r: Record<string, string>) => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k]]));
  return {
    groups,
    per_attribute: perAttribute,
    rule_violations: { items: violating, reasons },
    related: {
      set_size: describe(items.map((it) => Object.keys(it.GT.related_attributes).length)),
      per_attribute: relatedPer,
      distinct_sets: new Set(items.map((it) => setKey(it.GT.related_attributes))).size,
      value_mismatches: mismatches,
    },
  };
}

export function taskFigures(items: readonly DialogItem[]): TaskFigures {
  const counts: Record<string, number> = Object.fromEntries(TASKS.map((t) => [t, 0]));
  const domains: TaskFigures['domains'] = {};
  for (const it of items) {
    counts[it.task]++;
    if (it.domain === null) continue;
    const entry = (domains[it.task] ??= { counts: {}, covered: 0, listed: taskDomains(it.task).length, unlisted: [] });
    entry.counts[it.domain] = (entry.counts[it.domain] ?? 0) + 1;
  }
  for (const [task, entry] of Object.entries(domains)) {
    const listed = new Set(taskDomains(task as DialogItem['task']));
    entry.covered = Object.keys(entry.counts).filter((d) => listed.has(d)).length;
    entry.unlisted = Object.keys(entry.counts).filter((d) => !listed.has(d));
  }
  return { counts, missing: TASKS.filter((t) => counts[t] === 0), domains };
}
