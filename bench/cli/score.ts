import { Command, Option } from 'commander';
import { IpdError } from '../../common';
import { readJsonFile, runFiles } from '../run/files';
import { RunRecordSchema } from '../runlog/schema';
import { renderScore, SCORE_OUTPUT_FORMATS, type ScoreOutputFormat } from '../score/render';
import { scorePredictionsFile } from '../score/score-run';
import { positiveInt } from './options';
import { writeLines } from './output';

interface ScoreFlags {
  pathway?: string;
  predictions?: string;
  data?: string;
  perTask?: number;
  run?: string;
  format: ScoreOutputFormat;
  out?: string;
}

/** --run DIR fills the data file, subset and predictions from the run's own record. */
async function fromRun(opts: ScoreFlags): Promise<Required<Pick<ScoreFlags, 'pathway' | 'predictions'>> & ScoreFlags> {
  if (!opts.run) {
    if (!opts.pathway || !opts.predictions) throw new IpdError('USAGE', 'score needs --pathway and --predictions (or --run DIR)');
    return opts as Required<Pick<ScoreFlags, 'pathway' | 'predictions'>> & ScoreFlags;
  }
  const files = runFiles(opts.run);
  const run = await readJsonFile(files.run, RunRecordSchema);
  if (!run) throw new IpdError('RUN_INVALID', `${opts.run} has no run.json`, { file: opts.run });
  const pathway = opts.pathway ?? run.spec.pathways[0];
  if (!opts.pathway && run.spec.pathways.length > 1) {
    throw new IpdError('USAGE', `${opts.run} ran ${run.spec.pathways.length} pathways`, { hint: `pass --pathway (one of ${run.spec.pathways.join(', ')})` });
  }
  return { ...opts, pathway, predictions: files.predictions, data: opts.data ?? run.spec.data_file, perTask: opts.perTask ?? run.spec.per_task ?? undefined };
}

export function scoreCommand(): Command {
  return new Command('score')
    .description('score model predictions with the paper\'s metrics (per-task official sums, means, ATF-RVA correlation)')
    .option('--pathway <name>', 'the pathway the predictions answer: direct-response | attribute-filter | type-guided | full-attributes | task-related')
    .option('--predictions <file>', 'JSONL predictions: results lines {index, pathway, response}, official lines with "predict", or LLaMA-Factory generated_predictions.jsonl')
    .option('--data <file>', 'IP-Dialog JSONL the predictions were made for (default: the official test set, downloaded once into the cache)')
    .option('--per-task <k>', 'the predictions cover the first K items of each task', positiveInt('--per-task'))
    .option('--run <dir>', 'score a run directory (its predictions, data file and subset)')
    .addOption(new Option('--format <format>', 'official: {"<task>": {answer_acc, attribute_f1, value_f1, relative_value_acc}} sums; json: everything incl. items; table').choices(SCORE_OUTPUT_FORMATS).default('table'))
    .option('--out <file>', 'write here instead of stdout')
    .action(async (flags: ScoreFlags) => {
      const opts = await fromRun(flags);
      const result = await scorePredictionsFile({ pathway: opts.pathway, predictions: opts.predictions, data: opts.data, perTask: opts.perTask });
      const nan = result.aggregate.tasks.filter((t) => t.numNaN > 0);
      if (nan.length > 0 && opts.format !== 'table') {
        process.stderr.write(`warning: NaN sums (written as null) for ${nan.map((t) => t.task).join(', ')}: rank answers with all options equal\n`);
      }
      await writeLines([renderScore(result, opts.format)], opts.out);
      if (opts.out) process.stderr.write(`wrote ${opts.format} scores of ${result.scores.length} items to ${opts.out}\n`);
    });
}
