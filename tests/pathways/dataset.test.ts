import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IpdError } from '../../common';
import { parseDataset, selectPerTask } from '../../pathways';
import { runCli } from '../helpers/cli';
import { itWithReference, referencePath } from '../helpers/reference';

const DATA = 'filtered_data_test_1000.jsonl';

function referenceLines(): string[] {
  return readFileSync(referencePath(DATA), 'utf8').split('\n').filter((l) => l.trim());
}

describe('dataset loader', () => {
  itWithReference('loads all 1000 official items', [DATA], () => {
    const { items, skipped } = parseDataset(readFileSync(referencePath(DATA), 'utf8'), DATA);
    expect(items).toHaveLength(1000);
    expect(skipped).toHaveLength(0);
    expect(items[0].source).toEqual({ file: DATA, line: 1 });
  });

  itWithReference('reports every bad line at once, naming line, field and value', [DATA], () => {
    const lines = referenceLines().slice(0, 6);
    const bad = [...lines];
    bad[2] = '{"index": 3, "task": ';
    bad[3] = lines[3].replace(/"task": "[a-z_]+"/, '"task": "sing"');
    const item = JSON.parse(lines[4]);
    item.user_attr_group.age = 'ancient';
    delete item.request;
    item.history = [];
    bad[4] = JSON.stringify(item);
    let err: unknown;
    try {
      parseDataset(bad.join('\n'), 'bad.jsonl');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IpdError);
    const msg = (err as IpdError).message;
    expect((err as IpdError).code).toBe('DATASET_INVALID');
    expect(msg).toMatch(/bad\.jsonl line 3: \(line\): invalid JSON/);
    expect(msg).toMatch(/bad\.jsonl line 4: task: .*\(got "sing"\)/);
    expect(msg).toMatch(/bad\.jsonl line 5: user_attr_group\.age: .*\(got "ancient"\)/);
    expect(msg).toMatch(/bad\.jsonl line 5: request: missing field/);
    expect(msg).toMatch(/bad\.jsonl line 5: history: history is empty/);
    expect(msg).not.toMatch(/line [126]:/);

    const partial = parseDataset(bad.join('\n'), 'bad.jsonl', { skipInvalid: true });
    expect(partial.items.map((x) => x.source.line)).toEqual([1, 2, 6]);
    expect(new Set(partial.skipped.map((p) => p.line))).toEqual(new Set([3, 4, 5]));
  });

  itWithReference('--per-task keeps the first K items of each task in file order', [DATA], () => {
    const { items } = parseDataset(readFileSync(referencePath(DATA), 'utf8'), DATA);
    const subset = selectPerTask(items, 2);
    expect(subset).toHaveLength(20);
    const byTask = new Map<string, number[]>();
    for (const x of subset) byTask.set(x.item.task, [...(byTask.get(x.item.task) ?? []), x.source.line]);
    for (const [task, lineNos] of byTask) {
      const firstTwo = items.filter((x) => x.item.task === task).slice(0, 2).map((x) => x.source.line);
      expect(lineNos).toEqual(firstTwo);
    }
  });
});

describe('ipdialog prompts', () => {
  itWithReference('fails naming line 3 (broken JSON) and line 4 (task "sing")', [DATA], () => {
    const lines = referenceLines().slice(0, 5);
    lines[2] = '{"index": 3, "task": "rec';
    lines[3] = lines[3].replace(/"task": "[a-z_]+"/, '"task": "sing"');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ipd-'));
    const file = path.join(dir, 'bad.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const res = runCli(['prompts', '--pathway', 'direct-response', '--data', file]);
    expect(res.status).not.toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(`${file} line 3:`);
    expect(res.stderr).toMatch(new RegExp(`line 4: task: .*"sing"`));
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack without --verbose
    const verbose = runCli(['prompts', '--pathway', 'direct-response', '--data', file, '--verbose']);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  itWithReference('writes JSONL for all five pathways', [DATA], () => {
    const res = runCli(['prompts', '--pathway', 'all', '--data', referencePath(DATA), '--per-task', '1']);
    expect(res.status).toBe(0);
    const records = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(50);
    expect(Object.keys(records[0])).toEqual(['index', 'task', 'pathway', 'prompt']);
    expect(new Set(records.map((r) => r.pathway)).size).toBe(5);
  });

  it('rejects an unknown pathway with a usage error', () => {
    const res = runCli(['prompts', '--pathway', 'sing', '--data', '/nonexistent.jsonl']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/unknown pathway "sing"/);
  });
});
