/**
 * User attribute groups under the validity rules of the original pipeline
 * (data_gen/attributes_tasks_domains.py, get_proper_attribue_group):
 *
 * - child and teenager: student with low income;
 * - elderly: retiree with low income;
 * - every other age: never student, never retiree;
 * - student, driver and cleaner never have a high income;
 * - a farmer never lives in a city;
 * - health is not enumerated but drawn 70/20/10 healthy/minor_issue/disabled.
 *
 * (The original's "young adult" branch never matched the key "young_adult", so young adults
 * fell through to the general rule: no students. The rules above are what it produced.)
 */
import { IpdError } from '../../common';
import { ATTRIBUTE_DICT } from '../attributes';
import { createRng, type Rng } from './rng';

export type AttributeGroup = Record<string, string>;

/** The key order of the official data files' user_attr_group. */
export const GROUP_KEY_ORDER = [
  'age',
  'gender',
  'income_level',
  'profession',
  'openness',
  'conscientiousness',
  'extraversion',
  'agreeableness',
  'neuroticism',
  'residence',
  'health',
  'hobby',
] as const;

const TRAITS = ['openness', 'conscientiousness', 'extraversion', 'agreeableness', 'neuroticism'] as const;
const YOUNG_AGES = new Set(['child', 'teenager']);
const NO_HIGH_INCOME = new Set(['student', 'driver', 'cleaner']);

/** Health draw of the original: 70% healthy, 20% minor_issue, 10% disabled. */
export const HEALTH_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['healthy', 0.7],
  ['minor_issue', 0.2],
  ['disabled', 0.1],
];

/** Every rule a group breaks (empty when valid), including unknown keys or values. */
export function attributeGroupViolations(g: Readonly<AttributeGroup>): string[] {
  const out: string[] = [];
  for (const key of GROUP_KEY_ORDER) {
    if (!(key in g)) out.push(`missing ${key}`);
    else if (!ATTRIBUTE_DICT[key].includes(g[key])) out.push(`unknown ${key} value "${g[key]}"`);
  }
  for (const key of Object.keys(g)) if (!(GROUP_KEY_ORDER as readonly string[]).includes(key)) out.push(`unknown attribute ${key}`);
  const { age, profession, income_level: income, residence } = g;
  if (YOUNG_AGES.has(age)) {
    if (profession !== 'student') out.push(`${age} must be a student`);
    if (income !== 'low_income') out.push(`${age} must have low income`);
  } else if (age === 'elderly') {
    if (profession !== 'retiree') out.push('elderly must be a retiree');
    if (income !== 'low_income') out.push('elderly must have low income');
  } else if (profession === 'student' || profession === 'retiree') {
    out.push(`${age} cannot be a ${profession}`);
  }
  if (NO_HIGH_INCOME.has(profession) && income === 'high_income') out.push(`${profession} cannot have high income`);
  if (profession === 'farmer' && residence === 'urban') out.push('farmer cannot live in a city');
  return out;
}

export function isValidAttributeGroup(g: Readonly<AttributeGroup>): boolean {
  return attributeGroupViolations(g).length === 0;
}

/** The constrained part of a group; traits, hobby and health vary freely around it. */
interface CoreTuple {
  age: string;
  gender: string;
  income_level: string;
  profession: string;
  residence: string;
}

/** Valid (age, gender, income, profession, residence) tuples in dictionary order. */
const CORES: readonly CoreTuple[] = (() => {
  const out: CoreTuple[] = [];
  for (const age of ATTRIBUTE_DICT.age)
    for (const gender of ATTRIBUTE_DICT.gender)
      for (const profession of ATTRIBUTE_DICT.profession)
        for (const income_level of ATTRIBUTE_DICT.income_level)
          for (const residence of ATTRIBUTE_DICT.residence) {
            const probe: AttributeGroup = { age, gender, income_level, profession, residence };
            // Only the core rules matter here; the free attributes get valid values below.
            for (const k of [...TRAITS, 'health', 'hobby']) probe[k] = ATTRIBUTE_DICT[k][0];
            if (isValidAttributeGroup(probe)) out.push({ age, gender, income_level, profession, residence });
          }
  return out;
})();

const NUM_HOBBIES = ATTRIBUTE_DICT.hobby.length;
/** Trait bits x hobby: the free part of a group, health aside. */
const FREE_PER_CORE = 2 ** TRAITS.length * NUM_HOBBIES;

/** Number of valid groups ignoring health (what the original enumerates). */
export const NUM_GROUPS_WITHOUT_HEALTH = CORES.length * FREE_PER_CORE;
/** Number of valid groups over all 12 attributes. */
export const NUM_VALID_GROUPS = NUM_GROUPS_WITHOUT_HEALTH * ATTRIBUTE_DICT.health.length;

/** The group at `index` of the health-less space, with the given health, in the official key order. */
function groupAt(index: number, health: string): AttributeGroup {
  const core = CORES[Math.floor(index / FREE_PER_CORE)];
  const rest = index % FREE_PER_CORE;
  const bits = Math.floor(rest / NUM_HOBBIES);
  // Trait t is bit (4 - t) of `bits`, so openness varies slowest. Built literally, in the
  // official key order: this runs 347,328 times when the whole space is enumerated.
  const trait = (t: number) => ATTRIBUTE_DICT[TRAITS[t]][(bits >> (TRAITS.length - 1 - t)) & 1];
  return {
    age: core.age,
    gender: core.gender,
    income_level: core.income_level,
    profession: core.profession,
    openness: trait(0),
    conscientiousness: trait(1),
    extraversion: trait(2),
    agreeableness: trait(3),
    neuroticism: trait(4),
    residence: core.residence,
    health,
    hobby: ATTRIBUTE_DICT.hobby[rest % NUM_HOBBIES],
  };
}

/** Every valid group over all 12 attributes (health enumerated too), in a fixed order. */
export function* enumerateAttributeGroups(): Generator<AttributeGroup> {
  for (let i = 0; i < NUM_GROUPS_WITHOUT_HEALTH; i++) for (const health of ATTRIBUTE_DICT.health) yield groupAt(i, health);
}

function drawHealth(rng: Rng): string {
  const x = rng.next();
  let acc = 0;
  for (const [value, weight] of HEALTH_WEIGHTS) {
    acc += weight;
    if (x < acc) return value;
  }
  return HEALTH_WEIGHTS[HEALTH_WEIGHTS.length - 1][0];
}

/**
 * `n` distinct groups, uniform over the health-less valid space as the original's shuffled
 * enumeration is, each with health drawn 70/20/10. Same seed, same groups.
 */
export function sampleAttributeGroups(n: number, seed: number): AttributeGroup[] {
  if (!Number.isInteger(n) || n < 1 || n > NUM_GROUPS_WITHOUT_HEALTH) {
    throw new IpdError('USAGE', `--attribute-groups must be between 1 and ${NUM_GROUPS_WITHOUT_HEALTH} (got ${n})`);
  }
  const rng = createRng(seed);
  const seen = new Set<number>();
  const out: AttributeGroup[] = [];
  while (out.length < n) {
    const i = rng.int(NUM_GROUPS_WITHOUT_HEALTH);
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(groupAt(i, drawHealth(rng)));
  }
  return out;
}
