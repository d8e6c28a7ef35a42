import { existsSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';

/** ../shared/ipdialog beside the checkout (override with IPDIALOG_REFERENCE). */
export const REFERENCE_DIR = process.env.IPDIALOG_REFERENCE ?? path.resolve(__dirname, '../../../shared/ipdialog');

export function referencePath(name: string): string {
  return path.join(REFERENCE_DIR, name);
}

/**
 * A test that needs official reference files. Locally it skips when they are absent;
 * in CI (CI=true) a missing file fails the test instead.
 */
export function itWithReference(name: string, files: string[], fn: () => Promise<void> | void, timeout?: number): void {
  const missing = files.filter((f) => !existsSync(referencePath(f)));
  if (missing.length > 0 && process.env.CI !== 'true') {
    it.skip(`${name} (reference files missing: ${missing.join(', ')})`, () => {});
    return;
  }
  it(
    name,
    async () => {
      if (missing.length > 0) throw new Error(`reference files missing in CI: ${missing.map(referencePath).join(', ')}`);
      await fn();
    },
    timeout,
  );
}
