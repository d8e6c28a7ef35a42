import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 (hex) over the files' bytes in order, streamed: model weights reach gigabytes. */
export async function sha256Files(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** sha256 (hex) of one file, streamed. */
export function sha256File(file: string): Promise<string> {
  return sha256Files([file]);
}
