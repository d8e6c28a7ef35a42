import { Command, Option } from 'commander';
import { resolvePathways } from '../../pathways';
import { resolveDataFile } from '../../pathways/node';
import { openGenerator } from '../backends';
import { commandLine, judgeRun, runBenchmark } from '../run';
import { JUDGE_SAMPLES, type JudgeSample } from '../runlog';
import { printEndpointTable } from './endpoint-table';
import { addModelOptions, backendConfig, type ModelFlags } from './model-options';
import { nonNegativeNumber, positiveInt } from './options';

interface RunFlags extends ModelFlags {
  pathway: string;
  data?: string;
  out: string;
  perTask?: number;
  maxNewTokens?: number;
  judge?: string;
  judgeSample: JudgeSample;
  raw?: boolean;
  temperature?: number;
  topP?: number;
  seed?: number;
  force?: boolean;
}

export function runCommand(): Command {
  const cmd = new Command('run')
    .description('run the benchmark: generate, score and report (resumable: rerun the same command to continue)')
    .requiredOption('--pathway <name>', 'direct-response | attribute-filter | type-guided | full-attributes | task-related | all (or a comma list)')
    .requiredOption('--out <dir>', 'run directory: predictions.jsonl, metrics.json, run.json, judge.jsonl, report.html')
    .option('--data <file>', 'IP-Dialog JSONL (default: the official test set, downloaded once into the cache)')
    .option('--per-task <k>', 'only the first K items of each task', positiveInt('--per-task'))
    .option('--max-new-tokens <n>', 'output limit for every pathway (default per pathway: 512-768, see README)', positiveInt('--max-new-tokens'))
    .option('--judge <model>', 'score responses with a local judge model (the paper\'s GPT-4o-Score)')
    .addOption(new Option('--judge-sample <which>', 'judge every 10th item per pathway (as the paper) or all').choices(JUDGE_SAMPLES).default('every-10th'))
    .option('--raw', 'send prompts without the chat template')
    .option('--temperature <t>', 'sampling temperature (0 = greedy, the default)', nonNegativeNumber('--temperature'))
    .option('--top-p <p>', 'nucleus sampling mass', nonNegativeNumber('--top-p'))
    .option('--seed <n>', 'random seed for sampling', (v: string) => Number.parseInt(v, 10))
    .option('--force', 'discard an existing run in --out that has other settings and start over');
  return addModelOptions(cmd).action(async (flags: RunFlags) => {
    const pathways = resolvePathways(flags.pathway);
    const dataFile = await resolveDataFile(flags.data);
    const summary = await runBenchmark({
      out: flags.out,
      dataFile,
      pathways,
      perTask: flags.perTask,
      maxNewTokens: flags.maxNewTokens,
      temperature: flags.temperature,
      topP: flags.topP,
      seed: flags.seed,
      promptMode: flags.raw ? 'raw' : 'chat',
      force: flags.force,
      commandLine: commandLine(),
      openGenerator: async () => {
        const g = await openGenerator(backendConfig(flags, { promptMode: flags.raw ? 'raw' : 'chat' }));
        process.stderr.write(`model ${g.modelId} on ${g.description}\n`);
        return g;
      },
    });
    printEndpointTable(summary.record.endpoints);
    process.stderr.write(
      `run: ${summary.generated} generated${summary.resumed ? `, ${summary.resumed} resumed` : ''}, ${summary.total} in all; ${summary.record.stats.tokens_per_second.toFixed(1)} tok/s\n`,
    );
    if (flags.judge) {
      const j = await judgeRun({
        dir: flags.out,
        sample: flags.judgeSample,
        judgeModel: flags.judge,
        openGenerator: () => openGenerator(backendConfig({ ...flags, model: flags.judge }, { promptMode: 'chat' })),
      });
      printEndpointTable(j.endpoints);
      process.stderr.write(`judge: ${j.judged} judged${j.resumed ? `, ${j.resumed} resumed` : ''}, ${j.failures} without a usable score\n`);
    }
    process.stderr.write(`wrote ${flags.out}/metrics.json and ${flags.out}/report.html\n`);
  });
}
