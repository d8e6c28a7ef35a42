/**
 * Prediction files for `ipdialog score`, in three formats told apart by their fields:
 *   results        our own lines {index, task, pathway, response, ...}: matched to items by (task, index)
 *   alpaca         the official {instruction, input, predict, ...}: line i is item i
 *   llama-factory  generated_predictions.jsonl {prompt, label, predict}: line i is item i
 * Any line that is not JSON or lacks the format's fields, a count mismatch, a duplicate or
 * missing index is an IpdError naming the file and line.
 */
import { readFile } from 'node:fs/promises';
import { IpdError } from '../../common';
import type { DialogItem, PathwayId } from '../../pathways';
import { itemId } from '../runlog';

export type PredictionFormat = 'results' | 'alpaca' | 'llama-factory';

export interface Prediction {
  item: DialogItem;
  response: string;
  /** 1-based line in the predictions file. */
  line: number;
}

export interface PredictionSet {
  file: string;
  format: PredictionFormat;
  predictions: Prediction[];
}

type Row = Record<string, unknown>;

const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

export function detectFormat(row: Row): PredictionFormat | null {
  if ('index' in row && 'pathway' in row && 'response' in row) return 'results';
  if ('prompt' in row && 'label' in row && 'predict' in row) return 'llama-factory';
  if ('predict' in row) return 'alpaca';
  return null;
}

const REQUIRED: Record<PredictionFormat, string[]> = {
  results: ['index', 'task', 'pathway', 'response'],
  alpaca: ['predict'],
  'llama-factory': ['prompt', 'label', 'predict'],
};

export async function readPredictions(file: string, items: readonly DialogItem[], pathway: PathwayId): Promise<PredictionSet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new IpdError('DATA_NOT_FOUND', `cannot read predictions ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      file,
      cause: err,
    });
  }
  return parsePredictions(text, file, items, pathway);
}

export function parsePredictions(text: string, file: string, items: readonly DialogItem[], pathway: PathwayId): PredictionSet {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop(); // trailing newline(s)
  if (lines.length === 0) throw new IpdError('PREDICTIONS_INVALID', `no predictions in ${file}`, { file });
  const rows = lines.map((raw, i) => parseLine(raw, file, i + 1));
  const format = detectFormat(rows[0]);
  if (!format) {
    throw new IpdError('PREDICTIONS_INVALID', `unknown prediction format in ${file}`, {
      file,
      line: 1,
      hint: 'expected results lines {index, task, pathway, response}, official lines with "predict", or LLaMA-Factory {prompt, label, predict}',
    });
  }
  rows.forEach((row, i) => checkRow(row, format, file, i + 1));
  const predictions = format === 'results' ? byItemId(rows, file, items, pathway) : byLine(rows, file, items, format);
  return { file, format, predictions };
}

function parseLine(raw: string, file: string, line: number): Row {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new IpdError('PREDICTIONS_INVALID', `${file} line ${line}: not a JSON line (${(err as Error).message})`, { file, line });
  }
  if (!isObject(json)) throw new IpdError('PREDICTIONS_INVALID', `${file} line ${line}: expected a JSON object`, { file, line });
  return json;
}

function checkRow(row: Row, format: PredictionFormat, file: string, line: number): void {
  for (const field of REQUIRED[format]) {
    if (!(field in row)) throw new IpdError('PREDICTIONS_INVALID', `${file} line ${line}: missing field "${field}" (${format} format)`, { file, line, field });
  }
  const textField = format === 'results' ? 'response' : 'predict';
  if (typeof row[textField] !== 'string') {
    throw new IpdError('PREDICTIONS_INVALID', `${file} line ${line}: "${textField}" is not a string`, { file, line, field: textField });
  }
}

function byLine(rows: Row[], file: string, items: readonly DialogItem[], format: PredictionFormat): Prediction[] {
  if (rows.length !== items.length) {
    throw new IpdError('PREDICTIONS_INVALID', `${file} has ${rows.length} prediction lines but the dataset has ${items.length} items`, {
      file,
      line: Math.min(rows.length, items.length) + 1,
      hint: `in the ${format} format line i belongs to dataset item i; score against the dataset the predictions were made for`,
    });
  }
  return rows.map((row, i) => {
    // The official files carry the item index; a different one means the lines are out of order.
    if (typeof row.index === 'number' && row.index !== items[i].index) {
      throw new IpdError('PREDICTIONS_INVALID', `${file} line ${i + 1}: index ${row.index} but dataset item ${i + 1} has index ${items[i].index}`, {
        file,
        line: i + 1,
        field: 'index',
      });
    }
    return { item: items[i], response: row.predict as string, line: i + 1 };
  });
}

/** Our results lines name their item by (task, index), the identity bench/runlog uses. */
function byItemId(rows: Row[], file: string, items: readonly DialogItem[], pathway: PathwayId): Prediction[] {
  const byId = new Map<string, { row: Row; line: number }>();
  let otherPathways = 0;
  rows.forEach((row, i) => {
    if (row.pathway !== pathway) {
      otherPathways++;
      return;
    }
    if (typeof row.index !== 'number' || !Number.isInteger(row.index)) {
      throw new IpdError('PREDICTIONS_INVALID', `${file} line ${i + 1}: "index" is not an integer`, { file, line: i + 1, field: 'index' });
    }
    if (typeof row.task !== 'string') throw new IpdError('PREDICTIONS_INVALID', `${file} line ${i + 1}: "task" is not a string`, { file, line: i + 1, field: 'task' });
    const id = itemId({ task: row.task, index: row.index });
    const seen = byId.get(id);
    if (seen) {
      throw new IpdError('PREDICTIONS_INVALID', `${file} line ${i + 1}: duplicate prediction for item ${id} (first on line ${seen.line})`, { file, line: i + 1, field: 'index' });
    }
    byId.set(id, { row, line: i + 1 });
  });
  if (byId.size === 0) {
    throw new IpdError('PREDICTIONS_INVALID', `${file} has no predictions for pathway ${pathway}`, {
      file,
      hint: otherPathways > 0 ? 'pass the --pathway the predictions were made with' : undefined,
    });
  }
  const out: Prediction[] = [];
  const missing: DialogItem[] = [];
  for (const item of items) {
    const hit = byId.get(itemId(item));
    if (hit) out.push({ item, response: hit.row.response as string, line: hit.line });
    else missing.push(item);
  }
  const known = new Set(items.map((item) => itemId(item)));
  for (const [id, { line }] of byId) {
    if (!known.has(id)) throw new IpdError('PREDICTIONS_INVALID', `${file} line ${line}: item ${id} is not in the dataset`, { file, line, field: 'index' });
  }
  if (missing.length > 0) {
    throw new IpdError('PREDICTIONS_INVALID', `${file} lacks predictions for ${missing.length} of ${items.length} items (first missing: ${itemId(missing[0])})`, {
      file,
      hint: 'score a complete run, or pass the same --data/--per-task as the run (or --run DIR)',
    });
  }
  return out;
}
