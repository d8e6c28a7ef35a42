import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_DICT,
  GROUP_KEY_ORDER,
  NUM_GROUPS_WITHOUT_HEALTH,
  NUM_VALID_GROUPS,
  UserAttrGroupSchema,
  attributeGroupViolations,
  enumerateAttributeGroups,
  isValidAttributeGroup,
  sampleAttributeGroups,
} from '../../pathways';

/** The rules of SPEC section 5, written out independently of the implementation. */
function followsRules(g: Record<string, string>): boolean {
  const young = g.age === 'child' || g.age === 'teenager';
  if (young && (g.profession !== 'student' || g.income_level !== 'low_income')) return false;
  if (g.age === 'elderly' && (g.profession !== 'retiree' || g.income_level !== 'low_income')) return false;
  if (!young && g.age !== 'elderly' && (g.profession === 'student' || g.profession === 'retiree')) return false;
  if (['student', 'driver', 'cleaner'].includes(g.profession) && g.income_level === 'high_income') return false;
  if (g.profession === 'farmer' && g.residence === 'urban') return false;
  return true;
}

/** Number of combinations of the 12 attributes that follow the rules, by brute force. */
function countByBruteForce(): { total: number; valid: number } {
  const keys = [...GROUP_KEY_ORDER];
  const g: Record<string, string> = {};
  let total = 0;
  let valid = 0;
  const walk = (i: number): void => {
    if (i === keys.length) {
      total++;
      if (followsRules(g)) valid++;
      return;
    }
    for (const v of ATTRIBUTE_DICT[keys[i]]) {
      g[keys[i]] = v;
      walk(i + 1);
    }
  };
  walk(0);
  return { total, valid };
}

/** A random combination of the 12 attributes, valid or not. */
function anyCombination(rand: () => number): Record<string, string> {
  return Object.fromEntries(GROUP_KEY_ORDER.map((k) => [k, ATTRIBUTE_DICT[k][Math.floor(rand() * ATTRIBUTE_DICT[k].length)]]));
}

describe('attribute groups', () => {
  it('enumerates exactly the valid space: every valid combination once, nothing else', () => {
    const { total, valid } = countByBruteForce();
    expect(total).toBe(870_912);
    const seen = new Set<string>();
    let broken = 0;
    for (const g of enumerateAttributeGroups()) {
      if (!followsRules(g) || !isValidAttributeGroup(g)) broken++;
      seen.add(GROUP_KEY_ORDER.map((k) => g[k]).join('|'));
    }
    expect(broken).toBe(0);
    expect(seen.size).toBe(valid);
    // 402 valid (age, gender, income, profession, residence) cores x 2^5 traits x 9 hobbies x 3 health.
    expect(valid).toBe(347_328);
    expect(NUM_VALID_GROUPS).toBe(valid);
    expect(NUM_GROUPS_WITHOUT_HEALTH).toBe(115_776);
    expect(Object.keys(enumerateAttributeGroups().next().value!)).toEqual([...GROUP_KEY_ORDER]);
  });

  it('accepts exactly the combinations that follow the rules', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const g = anyCombination(rand);
      if (isValidAttributeGroup(g) !== followsRules(g)) expect.fail(`disagreement on ${JSON.stringify(g)}`);
    }
  });

  it('samples distinct valid groups, reproducibly from the seed', () => {
    const a = sampleAttributeGroups(2000, 7);
    expect(new Set(a.map((g) => JSON.stringify(g))).size).toBe(2000);
    for (const g of a) {
      expect(attributeGroupViolations(g)).toEqual([]);
      expect(followsRules(g)).toBe(true);
      expect(UserAttrGroupSchema.safeParse(g).success).toBe(true);
    }
    expect(sampleAttributeGroups(2000, 7)).toEqual(a);
    expect(sampleAttributeGroups(20, 8)).not.toEqual(a.slice(0, 20));
  });

  it('draws health about 70/20/10', () => {
    const groups = sampleAttributeGroups(20_000, 1);
    const share = (v: string) => groups.filter((g) => g.health === v).length / groups.length;
    expect(share('healthy')).toBeCloseTo(0.7, 1);
    expect(share('minor_issue')).toBeCloseTo(0.2, 1);
    expect(share('disabled')).toBeCloseTo(0.1, 1);
  });

  it('names each broken rule', () => {
    const base = sampleAttributeGroups(1, 3)[0];
    expect(attributeGroupViolations({ ...base, age: 'child', profession: 'teacher', income_level: 'low_income' })).toContain('child must be a student');
    expect(attributeGroupViolations({ ...base, age: 'adult', profession: 'farmer', residence: 'urban' })).toContain('farmer cannot live in a city');
    expect(attributeGroupViolations({ ...base, age: 'adult', profession: 'driver', income_level: 'high_income' })).toContain('driver cannot have high income');
    expect(attributeGroupViolations({ ...base, hobby: 'knitting' })).toContain('unknown hobby value "knitting"');
    expect(() => sampleAttributeGroups(0, 1)).toThrow(/--attribute-groups/);
  });
});
