import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

/** Writes lines to a file (created with its folder) or to stdout when no file is given. */
export async function writeLines(lines: Iterable<string>, file?: string): Promise<void> {
  if (file) await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const out = file ? createWriteStream(file) : process.stdout;
  for (const line of lines) {
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  if (file) await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())));
}
