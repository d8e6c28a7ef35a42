import { IpdError } from '../../common';

/**
 * An item's identity, the one spelling used by runs, resumes, the judge, scoring and reports.
 * The dataset's `index` repeats across tasks (the official test set has 1,000 items and 725
 * distinct indexes); (task, index) is unique. The data-file line is kept in records as
 * provenance, not identity: it changes when a file is reordered.
 */
export function itemId(item: { task: string; index: number }): string {
  return `${item.task}:${item.index}`;
}

/** A record's identity in a run: one per (pathway, item). */
export function recordKey(rec: { pathway: string; task: string; index: number }): string {
  return `${rec.pathway}/${itemId(rec)}`;
}

/** Refuses a dataset in which two lines are the same item: their results could not be told apart. */
export function checkUniqueItems(items: ReadonlyArray<{ item: { task: string; index: number }; source: { file: string; line: number } }>): void {
  const seen = new Map<string, number>();
  for (const { item, source } of items) {
    const id = itemId(item);
    const first = seen.get(id);
    if (first !== undefined) {
      throw new IpdError('DATASET_INVALID', `${source.file} line ${source.line}: item ${id} (task and index) repeats line ${first}`, {
        file: source.file,
        line: source.line,
        field: 'index',
        hint: 'each (task, index) pair must be unique: runs, resumes and scores identify items by it',
      });
    }
    seen.set(id, source.line);
  }
}
