import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { runMeasuredProcess, type MeasuredConfig } from '../perf/harness';

/** Internal: one measured process of `ipdialog bench` / `npm run bench:perf` (hidden from help). */
export function benchWorkerCommand(): Command {
  return new Command('bench-worker').argument('<config>', 'JSON file of a MeasuredConfig').action(async (file: string) => {
    await runMeasuredProcess(JSON.parse(readFileSync(file, 'utf8')) as MeasuredConfig);
    // Session threads can keep the event loop alive a moment; the result is written.
    process.exit(0);
  });
}
