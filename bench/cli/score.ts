import { Command, Option } from 'commander';
import { IpdError } from '../../common';
import { getPathway } from '../../pathways';
import { readRun } from '../runlog/node';
import { rescoreRun, renderScore, SCORE_OUTPUT_FORMATS, scorePredictionsFile, type ScoreOutputFormat, type ScoreRunResult } from '../score';
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
  force?: boolean;
}

export function scoreCommand(): Command {
  return new Command('score')
    .description("score model predictions with the paper's metrics (per-task official sums, means, ATF-RVA correlation)")
    .option('--pathway <name>', 'the pathway the predictions answer: direct-response | attribute-filter | type-guided | full-attributes | task-related')
    .option('--predictions <file>', 'JSONL predictions: results lines {index, task, pathway, response}, official lines with "predict", or LLaMA-Factory generated_predictions.jsonl')
    .option('--data <file>', 'IP-Dialog JSONL the predictions were made for (default: the official test set, downloaded once into the cache)')
    .option('--per-task <k>', 'the predictions cover the first K items of each task', positiveInt('--per-task'))
    .option('--run <dir>', 're-score a run folder with its own data file and write the result into it (predictions.jsonl, metrics.json, report.html)')
    .option('--force', 'with --run: also score a run whose run.json says it has not finished')
    .addOption(new Option('--format <format>', 'official: {"<task>": {answer_acc, attribute_f1, value_f1, relative_value_acc}} sums; json: everything incl. items; table').choices(SCORE_OUTPUT_FORMATS).default('table'))
    .option('--out <file>', 'write here instead of stdout')
    .action(async (flags: ScoreFlags) => {
      const results = flags.run ? await scoreRunFolder(flags) : [await scoreFile(flags)];
      const nan = results.flatMap((r) => Object.entries(r.metrics.tasks).filter(([, t]) => t.nan > 0).map(([task]) => `${r.pathway}/${task}`));
      if (nan.length > 0 && flags.format !== 'table') {
        process.stderr.write(`warning: NaN sums (written as null) for ${nan.join(', ')}: rank answers with all options equal, NaN as in the official scoring\n`);
      }
      await writeLines(
        results.map((r) => renderScore(r, flags.format)),
        flags.out,
      );
      if (flags.out) process.stderr.write(`wrote ${flags.format} scores of ${results.reduce((n, r) => n + r.scores.length, 0)} items to ${flags.out}\n`);
    });
}

async function scoreFile(flags: ScoreFlags): Promise<ScoreRunResult> {
  if (!flags.pathway || !flags.predictions) throw new IpdError('USAGE', 'score needs --pathway and --predictions (or --run DIR)');
  return scorePredictionsFile({ pathway: flags.pathway, predictions: flags.predictions, data: flags.data, perTask: flags.perTask });
}

/** All pathways are re-scored and written into the run; the output shows one (official, json) or all (table). */
async function scoreRunFolder(flags: ScoreFlags): Promise<ScoreRunResult[]> {
  if (flags.predictions || flags.data || flags.perTask) throw new IpdError('USAGE', '--run takes the predictions, data file and subset from the run; leave out --predictions, --data and --per-task');
  const wanted = flags.pathway === undefined ? undefined : getPathway(flags.pathway).id;
  const { run } = await readRun(flags.run!);
  if (wanted && !run.spec.pathways.includes(wanted)) throw new IpdError('USAGE', `${flags.run} has no ${wanted} predictions`, { hint: `it ran ${run.spec.pathways.join(', ')}` });
  if (!wanted && run.spec.pathways.length > 1 && flags.format !== 'table') {
    throw new IpdError('USAGE', `${flags.run} ran ${run.spec.pathways.length} pathways; --format ${flags.format} prints one`, { hint: `pass --pathway (one of ${run.spec.pathways.join(', ')})` });
  }
  const r = await rescoreRun(flags.run!, { force: flags.force });
  for (const note of r.notes) process.stderr.write(`note: ${note}\n`);
  process.stderr.write(`scored ${r.results.reduce((n, p) => n + p.scores.length, 0)} predictions (${r.numChanged} changed); wrote metrics.json and report.html in ${flags.run}\n`);
  return wanted ? r.results.filter((p) => p.pathway === wanted) : r.results;
}
