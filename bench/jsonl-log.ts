import { closeSync, existsSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { IpdError } from '../common';

export interface JsonlContents<T> {
  records: T[];
  /** 1-based line of each record (blank lines are skipped). */
  lines: number[];
  /** Bytes of complete, parseable lines; anything after is a torn write. */
  validBytes: number;
  tornBytes: number;
}

/**
 * Reads a JSONL file written by JsonlAppender. A torn last line (a crash mid-write) is
 * reported, not an error; a bad line elsewhere is corruption and names its line.
 */
export function readJsonl<T = unknown>(file: string): JsonlContents<T> {
  if (!existsSync(file)) return { records: [], lines: [], validBytes: 0, tornBytes: 0 };
  const buf = readFileSync(file);
  const records: T[] = [];
  const lines: number[] = [];
  let pos = 0;
  let line = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    line++;
    const end = nl < 0 ? buf.length : nl;
    const text = buf.subarray(pos, end).toString('utf8');
    if (nl < 0) return { records, lines, validBytes: pos, tornBytes: buf.length - pos };
    if (text.trim() !== '') {
      try {
        records.push(JSON.parse(text) as T);
        lines.push(line);
      } catch (err) {
        const isLast = nl + 1 >= buf.length;
        if (isLast) return { records, lines, validBytes: pos, tornBytes: buf.length - pos };
        throw new IpdError('RUN_INVALID', `${file} line ${line} is not valid JSON: ${(err as Error).message}`, { file, line, hint: 'the file was edited or corrupted' });
      }
    }
    pos = nl + 1;
  }
  return { records, lines, validBytes: pos, tornBytes: 0 };
}

/**
 * Appends JSON lines durably: each line is written whole and fdatasync'ed, so after a
 * crash the file holds every finished record and at most one torn tail (cut on open).
 */
export class JsonlAppender {
  private fd: number;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const { validBytes, tornBytes } = readJsonl(file);
    this.fd = openSync(file, existsSync(file) ? 'r+' : 'w');
    if (tornBytes > 0) ftruncateSync(this.fd, validBytes);
    this.offset = validBytes;
  }

  private offset: number;

  append(record: unknown): void {
    const data = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    let written = 0;
    while (written < data.length) written += writeSync(this.fd, data, written, data.length - written, this.offset + written);
    this.offset += data.length;
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
