import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { IpdError } from '../../common';
import { runMeasuredProcess, type MeasuredConfig } from '../perf/harness';
import { deviceProbeChild, type ProbedDevice } from '../perf/verify';

/** Internal: one measured process of `ipdialog bench` / `npm run bench:perf`, or `ipdialog bench`'s device probe (hidden from help). */
export function benchWorkerCommand(): Command {
  return new Command('bench-worker')
    .argument('[config]', 'JSON file of a MeasuredConfig')
    .addOption(new Option('--probe <device>', 'instead: x + x on that provider alone, one JSON line on stdout').choices(['webgpu', 'cuda']))
    .action(async (file: string | undefined, flags: { probe?: ProbedDevice }) => {
      if (flags.probe) await deviceProbeChild(flags.probe);
      else if (file) await runMeasuredProcess(JSON.parse(readFileSync(file, 'utf8')) as MeasuredConfig);
      else throw new IpdError('USAGE', 'bench-worker needs a config file or --probe <device>');
      // Session threads can keep the event loop alive a moment; the result is written.
      process.exit(0);
    });
}
