import { Command } from 'commander';
import { writeComparison } from '../report/node';
import { splitList } from './report';

interface CompareFlags {
  out: string;
  reference?: string;
  models?: string[];
  prompts: boolean;
}

export function compareCommand(): Command {
  return new Command('compare')
    .description('put several runs side by side in one HTML page, optionally with the paper’s published rows')
    .argument('<dirs...>', 'run folders')
    .requiredOption('--out <file>', 'HTML file to write')
    .option('--reference <dir>', "add the paper's rows from this folder (e.g. ../shared/ipdialog)")
    .option('--models <list>', 'reference models, comma-separated, or "all" (default: gpt4o,claude,llama3-1,qwen)', splitList)
    .option('--no-prompts', 'leave the prompts out of the sample browser (most of the page size on full runs)')
    .action(async (dirs: string[], flags: CompareFlags) => {
      const file = await writeComparison(dirs, flags.out, { reference: flags.reference, models: flags.models, omitPrompts: !flags.prompts });
      process.stdout.write(`wrote ${file} (${dirs.length} run(s)${flags.reference ? ', with reference rows' : ''})\n`);
    });
}
