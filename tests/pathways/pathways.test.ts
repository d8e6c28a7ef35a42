import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PATHWAYS, PROTOCOL, TABLES, TASKS, getPathway, parseDataset, pythonFormat, templateFields, type DialogItem } from '../../pathways';
import { itWithReference, referencePath } from '../helpers/reference';

const DATA = 'filtered_data_test_1000.jsonl';

function loadItems(): DialogItem[] {
  return parseDataset(readFileSync(referencePath(DATA), 'utf8'), DATA).items.map((x) => x.item);
}

function officialInputs(file: string): string[] {
  return readFileSync(referencePath(file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l).input as string);
}

describe('pathways render the official prompts byte for byte', () => {
  for (const [pathwayId, file] of [
    ['direct-response', 'alpaca_hq_basic_1000.jsonl'],
    ['full-attributes', 'alpaca_hq_cot3_1000.jsonl'],
  ] as const) {
    itWithReference(`${pathwayId} equals ${file} for 1000/1000 items`, [DATA, file], () => {
      const items = loadItems();
      const expected = officialInputs(file);
      expect(items).toHaveLength(1000);
      expect(expected).toHaveLength(1000);
      const mismatches = items.map((item, i) => (PATHWAYS.get(pathwayId)!.render(item) === expected[i] ? -1 : i)).filter((i) => i >= 0);
      expect(mismatches).toEqual([]);
    });
  }

  itWithReference('the project copy of protocol.json equals the official one', ['protocol.json'], () => {
    expect(PROTOCOL).toEqual(JSON.parse(readFileSync(referencePath('protocol.json'), 'utf8')));
  });

  itWithReference('the other three pathways render from the same tables', [DATA], () => {
    const items = loadItems();
    for (const id of ['attribute-filter', 'type-guided', 'task-related'] as const) {
      const p = PATHWAYS.get(id)!;
      expect(templateFields(p.template).sort()).toEqual(
        ['answer_format', 'answer_note', 'attribute_group', 'history', 'request', 'task', 'task_definition'].sort(),
      );
      for (const item of items.filter((_, i) => i % 37 === 0)) {
        const text = p.render(item);
        expect(text.startsWith(`You are a helpful agent for the task: ${item.task}. The task requires the agent to ${TABLES.task_definition[item.task]}\n`)).toBe(true);
        expect(text).toContain(`\n\nYou can infer my attributes from the user attribute group: ${TABLES.attribute_group}\n---Important Note---${TABLES.answer_note[item.task]}\n`);
        expect(text).toContain(`\n${TABLES.answer_format[item.task]}\n\nMy Request: ${item.request}\nOutput: `);
        expect(text.endsWith(`My Request: ${item.request}\nOutput: `)).toBe(true);
        expect(text).toContain(`- ${p.attributeField}: [`);
        for (const round of item.history) for (const m of round) expect(text).toContain(`${m.speaker}: ${m.content}`);
      }
    }
  });
});

describe('pathway registry', () => {
  it('maps the five CLI names to official ids and attribute fields', () => {
    expect([...PATHWAYS.values()].map((p) => [p.id, p.officialId, p.attributeField])).toEqual([
      ['direct-response', 'hq_basic', 'Attributes'],
      ['attribute-filter', 'hq_cot1', 'Related Attribute Values'],
      ['type-guided', 'hq_cot2', 'Attribute Values'],
      ['full-attributes', 'hq_cot3', 'Full Attribute Values'],
      ['task-related', 'hq_cot4', 'Attributes'],
    ]);
    expect(getPathway('hq_cot2').id).toBe('type-guided');
    expect(getPathway('TypeGuided').id).toBe('type-guided');
    expect(() => getPathway('sing')).toThrow(/unknown pathway "sing"/);
  });

  it('has a table entry for every task', () => {
    for (const task of TASKS) {
      expect(typeof TABLES.task_definition[task]).toBe('string');
      expect(typeof TABLES.answer_format[task]).toBe('string');
      expect(typeof TABLES.answer_note[task]).toBe('string');
    }
    expect(Object.keys(PROTOCOL.pathways)).toEqual([...PATHWAYS.keys()]);
  });
});

describe('pythonFormat', () => {
  it('substitutes in one pass and keeps braces inside values', () => {
    expect(pythonFormat('{a} and {b}', { a: '{b}', b: 'x' })).toBe('{b} and x');
    expect(pythonFormat('{{literal}} {a}', { a: '}}{{' })).toBe('{literal} }}{{');
    expect(pythonFormat('{{{k}: {v}}}', { k: 'age', v: 'child' })).toBe('{age: child}');
  });

  it('fails on a placeholder without a value', () => {
    expect(() => pythonFormat('{missing}', {})).toThrow(/\{missing\}/);
  });
});
