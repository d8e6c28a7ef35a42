import { IpdError } from '../common';
import { TASKS } from './attributes';
import { DialogItemSchema, type DialogItem } from './schema';

/** Where a record came from, so later errors can point back to it. */
export interface SourceRef {
  file: string;
  line: number;
}

export interface LoadedItem {
  item: DialogItem;
  source: SourceRef;
}

export interface LineProblem {
  line: number;
  field: string;
  problem: string;
  got?: unknown;
}

export interface ParseDatasetOptions {
  /** Keep the valid lines and report how many were skipped instead of failing. */
  skipInvalid?: boolean;
}

export interface ParsedDataset {
  file: string;
  items: LoadedItem[];
  skipped: LineProblem[];
}

/**
 * Parses and validates every line of an IP-Dialog JSONL text. Either the whole file
 * loads, or one IpdError lists ALL bad lines as `FILE line N: field: problem (got VALUE)`.
 */
export function parseDataset(text: string, file: string, opts: ParseDatasetOptions = {}): ParsedDataset {
  const items: LoadedItem[] = [];
  const problems: LineProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      problems.push({ line, field: '(line)', problem: `invalid JSON: ${(err as Error).message}`, got: raw });
      return;
    }
    const res = DialogItemSchema.safeParse(json);
    if (res.success) {
      items.push({ item: res.data, source: { file, line } });
      return;
    }
    problems.push(...zodProblems(json, res.error.issues, line));
  });
  if (problems.length > 0 && !opts.skipInvalid) {
    throw new IpdError('DATASET_INVALID', `${new Set(problems.map((p) => p.line)).size} invalid line(s) in ${file}:\n${formatProblems(file, problems)}`, {
      file,
      line: problems[0].line,
      field: problems[0].field,
      hint: 'fix the listed lines, or pass --skip-invalid to load only the valid ones',
    });
  }
  if (items.length === 0) {
    throw new IpdError('DATASET_INVALID', `no items in ${file}`, { file, hint: 'pass an IP-Dialog test-set JSONL file' });
  }
  return { file, items, skipped: problems };
}

export function formatProblems(file: string, problems: readonly LineProblem[]): string {
  return problems
    .map((p) => `${file} line ${p.line}: ${p.field}: ${p.problem}${p.got === undefined ? '' : ` (got ${preview(p.got)})`}`)
    .join('\n');
}

/** zod issues of one JSON line as LineProblems: absent fields say so, present ones show their value. */
export function zodProblems(json: unknown, issues: ReadonlyArray<{ code: string; message: string; path: readonly PropertyKey[] }>, line: number): LineProblem[] {
  return issues.map((issue) => {
    const got = valueAt(json, issue.path);
    const problem = got.present || issue.code === 'custom' ? describeIssue(issue) : 'missing field';
    return { line, field: issue.path.map(String).join('.') || '(root)', problem, ...(got.present && { got: got.value }) };
  });
}

function describeIssue(issue: { code: string; message: string }): string {
  return issue.message.replace(/^Invalid option: expected one of/, 'unknown value; expected one of').replace(/^Invalid input: /, '');
}

function valueAt(json: unknown, path: readonly PropertyKey[]): { present: boolean; value?: unknown } {
  let cur: unknown = json;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) return { present: false };
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value: cur };
}

function preview(value: unknown): string {
  const s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** The first `perTask` items of each task, in file order (the stratified quick subset). */
export function selectPerTask<T extends { item: Pick<DialogItem, 'task'> }>(items: readonly T[], perTask?: number): T[] {
  if (perTask === undefined) return [...items];
  if (!Number.isInteger(perTask) || perTask < 1) {
    throw new IpdError('USAGE', `--per-task must be a positive integer (got ${perTask})`);
  }
  const counts = new Map<string, number>();
  return items.filter((entry) => {
    const task = entry.item.task;
    const n = counts.get(task) ?? 0;
    counts.set(task, n + 1);
    return n < perTask;
  });
}

/** Order used in reports: the official task order. */
export function taskOrder(task: string): number {
  const i = (TASKS as readonly string[]).indexOf(task);
  return i < 0 ? TASKS.length : i;
}
