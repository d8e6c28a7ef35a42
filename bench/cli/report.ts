import { Command } from 'commander';
import { writeRunReport } from '../report/node';

interface ReportFlags {
  run: string;
  out?: string;
  reference?: string;
  models?: string[];
  prompts: boolean;
}

export function reportCommand(): Command {
  return new Command('report')
    .description("re-render a run's self-contained HTML report (charts, tables, sample browser)")
    .requiredOption('--run <dir>', 'run folder (the --out of `ipdialog run`)')
    .option('--out <file>', 'where to write the page (default: DIR/report.html)')
    .option('--reference <dir>', "add the paper's rows from this folder (all_datasets_all_models_metrics.json, gpt4o_eval_new.json)")
    .option('--models <list>', 'reference models, comma-separated, or "all" (default: gpt4o,claude,llama3-1,qwen)', splitList)
    .option('--no-prompts', 'leave the prompts out of the sample browser (most of the page size on full runs)')
    .action(async (flags: ReportFlags) => {
      const file = await writeRunReport(flags.run, { out: flags.out, reference: flags.reference, models: flags.models, omitPrompts: !flags.prompts });
      process.stdout.write(`wrote ${file}\n`);
    });
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
