import { Command, Option } from 'commander';
import { resolvePathways } from '../../pathways';
import { SFT_FORMATS, exportSft, type SftFormat } from '../export-sft';
import { writeLines } from './output';

export function exportSftCommand(): Command {
  return new Command('export-sft')
    .description("fine-tuning data: each pathway's prompt with the official answer layout built from the item's GT as the target")
    .option('--data <file>', 'IP-Dialog JSONL, e.g. a datagen train.jsonl (default: the official test set, downloaded once into the cache)')
    .requiredOption('--pathway <name>', 'direct-response | attribute-filter | type-guided | full-attributes | task-related (the paper trained on it), a comma-separated list, or all')
    .addOption(new Option('--format <format>', 'alpaca: {instruction, input, output} (LLaMA-Factory); sharegpt: {conversations}; messages: {messages} (TRL, axolotl)').choices(SFT_FORMATS).default('alpaca'))
    .option('--out <file>', 'write here instead of stdout')
    .action(async (opts: { data?: string; pathway: string; format: SftFormat; out?: string }) => {
      const r = await exportSft({ data: opts.data, pathways: resolvePathways(opts.pathway), format: opts.format });
      await writeLines(r.lines, opts.out);
      if (opts.out) process.stderr.write(`wrote ${r.lines.length} ${opts.format} line(s) from ${r.file} to ${opts.out}\n`);
    });
}
