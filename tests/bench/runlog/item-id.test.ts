// Item identity: (task, index), since the official test set repeats `index` across tasks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkUniqueItems, itemId, recordKey } from '../../../bench/runlog';
import { parseDataset } from '../../../pathways';
import { itWithReference, referencePath } from '../../helpers/reference';

const TEST_SET = 'filtered_data_test_1000.jsonl';

describe('item identity', () => {
  it('spells an item as task:index and a record as pathway/task:index', () => {
    expect(itemId({ task: 'rank', index: 7 })).toBe('rank:7');
    expect(recordKey({ pathway: 'type-guided', task: 'rank', index: 7 })).toBe('type-guided/rank:7');
  });

  itWithReference('tells the 1,000 official items apart although they have 725 distinct indexes', [TEST_SET], () => {
    const items = parseDataset(readFileSync(referencePath(TEST_SET), 'utf8'), TEST_SET).items;
    expect(new Set(items.map((e) => e.item.index)).size).toBe(725);
    expect(new Set(items.map((e) => itemId(e.item))).size).toBe(1000);
    expect(() => checkUniqueItems(items)).not.toThrow();
  });

  it('refuses a dataset in which two lines are the same item, naming both lines', () => {
    const at = (line: number, task: string, index: number) => ({ item: { task, index }, source: { file: 'd.jsonl', line } });
    expect(() => checkUniqueItems([at(1, 'rank', 3), at(2, 'advice', 3), at(3, 'rank', 3)])).toThrow(
      expect.objectContaining({ code: 'DATASET_INVALID', file: 'd.jsonl', line: 3, message: 'd.jsonl line 3: item rank:3 (task and index) repeats line 1' }),
    );
  });
});
