import { Command } from 'commander';
import { resolvePathways } from '../../pathways';
import { readDataset, resolveDataFile } from '../../pathways/node';
import { renderPrompts } from '../prompts';
import { positiveInt } from './options';
import { writeLines } from './output';

export function promptsCommand(): Command {
  return new Command('prompts')
    .description('render the benchmark prompts of one or all pathways as JSONL {index, task, pathway, prompt}')
    .requiredOption('--pathway <name>', 'direct-response | attribute-filter | type-guided | full-attributes | task-related | all')
    .option('--data <file>', 'IP-Dialog JSONL (default: the official test set, downloaded once into the cache)')
    .option('--per-task <k>', 'only the first K items of each task', positiveInt('--per-task'))
    .option('--skip-invalid', 'skip invalid dataset lines (their count is printed) instead of failing')
    .option('--out <file>', 'write here instead of stdout')
    .action(async (opts: { pathway: string; data?: string; perTask?: number; skipInvalid?: boolean; out?: string }) => {
      const pathways = resolvePathways(opts.pathway);
      const file = await resolveDataFile(opts.data);
      const data = await readDataset(file, { perTask: opts.perTask, skipInvalid: opts.skipInvalid });
      reportSkipped(data.skipped.length, file);
      const records = renderPrompts(data.items, pathways);
      await writeLines(records.map((r) => JSON.stringify(r)), opts.out);
      if (opts.out) process.stderr.write(`wrote ${records.length} prompts to ${opts.out}\n`);
    });
}

export function reportSkipped(count: number, file: string): void {
  if (count > 0) process.stderr.write(`skipped ${count} invalid line problem(s) in ${file} (--skip-invalid)\n`);
}
