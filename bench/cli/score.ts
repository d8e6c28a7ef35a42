import { Command, Option } from 'commander';
import { renderScore, SCORE_OUTPUT_FORMATS, type ScoreOutputFormat } from '../score/render';
import { scorePredictionsFile } from '../score/score-run';
import { writeLines } from './output';

export function scoreCommand(): Command {
  return new Command('score')
    .description('score model predictions with the paper\'s metrics (per-task official sums, means, ATF-RVA correlation)')
    .requiredOption('--pathway <name>', 'the pathway the predictions answer: direct-response | attribute-filter | type-guided | full-attributes | task-related')
    .requiredOption('--predictions <file>', 'JSONL predictions: results lines {index, pathway, response}, official lines with "predict", or LLaMA-Factory generated_predictions.jsonl')
    .option('--data <file>', 'IP-Dialog JSONL the predictions were made for (default: the official test set, downloaded once into the cache)')
    .addOption(new Option('--format <format>', 'official: {"<task>": {answer_acc, attribute_f1, value_f1, relative_value_acc}} sums; json: everything incl. items; table').choices(SCORE_OUTPUT_FORMATS).default('table'))
    .option('--out <file>', 'write here instead of stdout')
    .action(async (opts: { pathway: string; predictions: string; data?: string; format: ScoreOutputFormat; out?: string }) => {
      const result = await scorePredictionsFile({ pathway: opts.pathway, predictions: opts.predictions, data: opts.data });
      const nan = result.aggregate.tasks.filter((t) => t.numNaN > 0);
      if (nan.length > 0 && opts.format !== 'table') {
        process.stderr.write(`warning: NaN sums (written as null) for ${nan.map((t) => t.task).join(', ')}: rank answers with all options equal\n`);
      }
      await writeLines([renderScore(result, opts.format)], opts.out);
      if (opts.out) process.stderr.write(`wrote ${opts.format} scores of ${result.scores.length} items to ${opts.out}\n`);
    });
}
