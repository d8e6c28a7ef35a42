import { Command } from 'commander';
import { IpdError } from '../../common';
import { OFFICIAL_REFERENCE, formatQualitySummary, writeDataReport } from '../data-report';
import { positiveInt } from './options';

interface DataReportFlags {
  data: string;
  out: string;
  reference?: string;
  stats?: string;
  skipInvalid?: boolean;
  seed: number;
  windowTokens: number;
  selfBleuSample: number;
}

export function dataReportCommand(): Command {
  return new Command('data-report')
    .description("a data set's diversity, lengths, attribute coverage and near-duplicates (quality.json + quality.html), side by side with a reference set")
    .requiredOption('--data <file>', 'IP-Dialog JSONL to report on: a datagen dataset/train/test file, the official test set, ...')
    .requiredOption('--out <dir>', 'folder for quality.json and quality.html')
    .option('--reference <file>', `a set to compare with, figure by figure ("${OFFICIAL_REFERENCE}": the official test set, downloaded once into the cache)`)
    .option('--stats <file>', "the datagen run's stats.json: per-step pass/drop rates and reasons")
    .option('--skip-invalid', 'leave out invalid lines of --data (counted) instead of failing')
    .option('--seed <n>', 'seed of the equal-size windows and the Self-BLEU samples', seedValue, 0)
    .option('--window-tokens <n>', 'tokens per equal-size window', positiveInt('--window-tokens'), 1000)
    .option('--self-bleu-sample <n>', 'texts per field in Self-BLEU (the same for both sets)', positiveInt('--self-bleu-sample'), 500)
    .action(async (flags: DataReportFlags) => {
      const { report, json, html } = await writeDataReport({
        data: flags.data,
        out: flags.out,
        reference: flags.reference,
        stats: flags.stats,
        skipInvalid: flags.skipInvalid,
        settings: { seed: flags.seed, window_tokens: flags.windowTokens, self_bleu_sample: flags.selfBleuSample },
      });
      process.stdout.write(`${formatQualitySummary(report)}\nwrote ${json}\nwrote ${html}\n`);
    });
}

function seedValue(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new IpdError('USAGE', `--seed must be an integer from 0 to 4294967295 (got "${value}")`);
  return n;
}
