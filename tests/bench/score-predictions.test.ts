// Prediction file formats of `ipdialog score`: detection, matching to items, named errors.
import { describe, expect, it } from 'vitest';
import { IpdError } from '../../common';
import type { DialogItem } from '../../pathways';
import { parsePredictions } from '../../bench/score/predictions';

const items = [3, 1, 2].map((index) => ({ index, task: 'decision' }) as unknown as DialogItem);
const lines = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

function errorOf(fn: () => unknown): IpdError {
  try {
    fn();
  } catch (err) {
    if (err instanceof IpdError) return err;
    throw err;
  }
  throw new Error('expected an IpdError');
}

describe('prediction formats', () => {
  it('official alpaca lines: line i is item i, an index that disagrees is an error', () => {
    const text = lines(items.map((it, i) => ({ instruction: '', input: 'p', predict: `r${i}`, index: it.index })));
    const set = parsePredictions(text, 'a.jsonl', items, 'direct-response');
    expect(set.format).toBe('alpaca');
    expect(set.predictions.map((p) => [p.item.index, p.response, p.line])).toEqual([
      [3, 'r0', 1],
      [1, 'r1', 2],
      [2, 'r2', 3],
    ]);
    const swapped = lines([{ input: 'p', predict: 'x', index: 1 }, { input: 'p', predict: 'y', index: 3 }, { input: 'p', predict: 'z', index: 2 }]);
    expect(errorOf(() => parsePredictions(swapped, 'a.jsonl', items, 'direct-response'))).toMatchObject({ code: 'PREDICTIONS_INVALID', file: 'a.jsonl', line: 1 });
  });

  it('LLaMA-Factory generated_predictions.jsonl', () => {
    const text = lines(items.map((_, i) => ({ prompt: 'p', label: 'l', predict: `r${i}` })));
    const set = parsePredictions(text, 'g.jsonl', items, 'direct-response');
    expect(set.format).toBe('llama-factory');
    expect(set.predictions.map((p) => p.response)).toEqual(['r0', 'r1', 'r2']);
  });

  it('our results lines are matched by (task, index), other pathways ignored', () => {
    const text = lines([
      { index: 2, task: 'decision', pathway: 'direct-response', response: 'two' },
      { index: 1, task: 'decision', pathway: 'type-guided', response: 'other' },
      { index: 3, task: 'decision', pathway: 'direct-response', response: 'three' },
      { index: 1, task: 'decision', pathway: 'direct-response', response: 'one' },
    ]);
    const set = parsePredictions(text, 'r.jsonl', items, 'direct-response');
    expect(set.format).toBe('results');
    expect(set.predictions.map((p) => [p.item.index, p.response, p.line])).toEqual([
      [3, 'three', 3],
      [1, 'one', 4],
      [2, 'two', 1],
    ]);
  });

  it('results lines: an index shared by two tasks (as in the official test set) is told apart by the task', () => {
    const twoTasks = [{ index: 7, task: 'rank' }, { index: 7, task: 'advice' }] as unknown as DialogItem[];
    const text = lines([
      { index: 7, task: 'advice', pathway: 'direct-response', response: 'for advice' },
      { index: 7, task: 'rank', pathway: 'direct-response', response: 'for rank' },
    ]);
    expect(parsePredictions(text, 'r.jsonl', twoTasks, 'direct-response').predictions.map((p) => [p.item.task, p.response])).toEqual([
      ['rank', 'for rank'],
      ['advice', 'for advice'],
    ]);
    const noTask = lines([{ index: 7, pathway: 'direct-response', response: 'x' }]);
    expect(errorOf(() => parsePredictions(noTask, 'r.jsonl', twoTasks, 'direct-response'))).toMatchObject({ code: 'PREDICTIONS_INVALID', line: 1, field: 'task' });
  });

  it('results lines: duplicates, missing items and unknown items are named errors', () => {
    const row = (index: number) => ({ index, task: 'decision', pathway: 'direct-response', response: '' });
    const dup = lines([1, 2, 3, 2].map(row));
    expect(errorOf(() => parsePredictions(dup, 'r.jsonl', items, 'direct-response'))).toMatchObject({ code: 'PREDICTIONS_INVALID', line: 4 });
    const missing = lines([1, 2].map(row));
    expect(errorOf(() => parsePredictions(missing, 'r.jsonl', items, 'direct-response')).message).toMatch(/lacks predictions for 1 of 3 items \(first missing: decision:3\)/);
    const unknown = lines([1, 2, 3, 9].map(row));
    expect(errorOf(() => parsePredictions(unknown, 'r.jsonl', items, 'direct-response'))).toMatchObject({ line: 4 });
    const wrongPathway = lines([1, 2, 3].map((index) => ({ ...row(index), pathway: 'type-guided' })));
    expect(errorOf(() => parsePredictions(wrongPathway, 'r.jsonl', items, 'direct-response')).message).toMatch(/no predictions for pathway direct-response/);
  });

  it('a line-count mismatch names the file and the first extra or missing line', () => {
    const short = lines([{ predict: 'a' }, { predict: 'b' }]);
    expect(errorOf(() => parsePredictions(short, 's.jsonl', items, 'direct-response'))).toMatchObject({ code: 'PREDICTIONS_INVALID', file: 's.jsonl', line: 3 });
    const long = lines([1, 2, 3, 4].map(() => ({ predict: 'a' })));
    expect(errorOf(() => parsePredictions(long, 'l.jsonl', items, 'direct-response')).message).toMatch(/4 prediction lines but the dataset has 3 items/);
  });

  it('an unreadable line, a missing field or a non-string response names the line', () => {
    const broken = `${JSON.stringify({ predict: 'a' })}\n{oops\n${JSON.stringify({ predict: 'c' })}\n`;
    expect(errorOf(() => parsePredictions(broken, 'b.jsonl', items, 'direct-response'))).toMatchObject({ file: 'b.jsonl', line: 2 });
    const field = lines([{ prompt: 'p', label: 'l', predict: 'a' }, { prompt: 'p', predict: 'b' }, { prompt: 'p', label: 'l', predict: 'c' }]);
    expect(errorOf(() => parsePredictions(field, 'f.jsonl', items, 'direct-response'))).toMatchObject({ line: 2, field: 'label' });
    const nonString = lines([{ predict: 'a' }, { predict: 5 }, { predict: 'c' }]);
    expect(errorOf(() => parsePredictions(nonString, 'n.jsonl', items, 'direct-response'))).toMatchObject({ line: 2, field: 'predict' });
    expect(errorOf(() => parsePredictions(lines([{ foo: 1 }]), 'u.jsonl', items, 'direct-response')).message).toMatch(/unknown prediction format/);
    expect(errorOf(() => parsePredictions('\n\n', 'e.jsonl', items, 'direct-response')).message).toMatch(/no predictions/);
  });
});
