import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Streams a file of any size (model weights reach gigabytes) through sha256. */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}
