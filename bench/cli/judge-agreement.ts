import { Command, Option } from 'commander';
import { resolveDataFile } from '../../pathways/node';
import { runJudgeAgreement } from '../agreement';
import { openGenerator } from '../backends';
import { commandLine } from '../run';
import { JUDGE_SAMPLES, type JudgeSample } from '../runlog';
import { addModelOptions, backendConfig, type ModelFlags } from './model-options';
import { positiveInt } from './options';
import { splitList } from './report';

interface AgreementFlags extends ModelFlags {
  judge: string;
  out: string;
  outputs?: string;
  data?: string;
  reference?: string;
  judgeSample: JudgeSample;
  perTask?: number;
  models?: string[];
  force?: boolean;
}

export function judgeAgreementCommand(): Command {
  const cmd = new Command('judge-agreement')
    .description("measure a local judge against the paper's GPT-4o-Score on the published direct-response outputs (resumable)")
    .requiredOption('--judge <model>', 'judge model: local folder, Hugging Face id, tiny (or a model name on --backend openai)')
    .requiredOption('--out <dir>', 'writes DIR/agreement.json, DIR/agreement.html and the verdicts in DIR/judge/<model>.jsonl')
    .option('--outputs <dir>', '<model>.jsonl files as evaluate_models/output/alpaca_hq_basic_1000/ has them (default: the published ones, downloaded once)')
    .option('--data <file>', 'IP-Dialog JSONL (default: the official test set, downloaded once)')
    .option('--reference <dir>', 'folder holding gpt4o_eval_new.json (default: the published table, downloaded once)')
    .addOption(new Option('--judge-sample <which>', 'every 10th item (as the paper, 10 per task) or all').choices(JUDGE_SAMPLES).default('every-10th'))
    .option('--per-task <k>', 'judge at most K items per task and model (a quick look)', positiveInt('--per-task'))
    .option('--models <list>', 'only these models, comma-separated (claude, qwen, llama3-1)', splitList)
    .option('--force', 'judge again from scratch');
  return addModelOptions(cmd).action(async (flags: AgreementFlags) => {
    const report = await runJudgeAgreement({
      out: flags.out,
      judgeModel: flags.judge,
      dataFile: await resolveDataFile(flags.data),
      outputsDir: flags.outputs,
      referenceDir: flags.reference,
      sample: flags.judgeSample,
      perTask: flags.perTask,
      models: flags.models,
      force: flags.force,
      commandLine: commandLine(),
      openGenerator: () => openGenerator(backendConfig({ ...flags, model: flags.judge }, { promptMode: 'chat' })),
    });
    const total = report.scores.Total;
    const fmt = (v: number | null) => (v === null ? '–' : v.toFixed(3));
    process.stderr.write(
      `judge-agreement: ${report.models.map((m) => `${m.model} ${m.judged} judged, ${m.failures} failed`).join('; ')}\n` +
        `Total over ${total.numCells} cells: Pearson ${fmt(total.pearson)}, Spearman ${fmt(total.spearman)}, Kendall (models) ${fmt(total.kendallModels)}, mean bias ${fmt(total.meanBias)}; parse failures ${(report.parseFailureRate * 100).toFixed(1)}%\n` +
        `wrote ${flags.out}/agreement.json and ${flags.out}/agreement.html\n`,
    );
  });
}
