import { Command, Option } from 'commander';
import { openGenerator } from '../backends';
import { judgeRun } from '../run';
import { JUDGE_SAMPLES, type JudgeSample } from '../runlog';
import { printEndpointTable } from './endpoint-table';
import { addModelOptions, backendConfig, type ModelFlags } from './model-options';

interface JudgeFlags extends ModelFlags {
  run: string;
  judge: string;
  judgeSample: JudgeSample;
  force?: boolean;
}

export function judgeCommand(): Command {
  const cmd = new Command('judge')
    .description("judge an existing run with a local model (the paper's GPT-4o-Score); resumable")
    .requiredOption('--run <dir>', 'run directory written by ipdialog run')
    .requiredOption('--judge <model>', 'judge model: local folder or Hugging Face id (or a model name on --backend openai)')
    .addOption(new Option('--judge-sample <which>', 'every 10th item per pathway (as the paper) or all').choices(JUDGE_SAMPLES).default('every-10th'))
    .option('--force', 'judge again from scratch');
  return addModelOptions(cmd).action(async (flags: JudgeFlags) => {
    const j = await judgeRun({
      dir: flags.run,
      sample: flags.judgeSample,
      judgeModel: flags.judge,
      force: flags.force,
      openGenerator: () => openGenerator(backendConfig({ ...flags, model: flags.judge }, { promptMode: 'chat' })),
    });
    printEndpointTable(j.endpoints);
    process.stderr.write(`judge: ${j.judged} judged${j.resumed ? `, ${j.resumed} resumed` : ''}, ${j.failures} without a usable score; updated ${flags.run}/metrics.json\n`);
  });
}
