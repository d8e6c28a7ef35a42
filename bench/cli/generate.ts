import { Command, Option } from 'commander';
import { openGenerator } from '../backends';
import { generateFile, readGenerateInput } from '../generate';
import { printSessionEndpoints } from './endpoint-table';
import { addModelOptions, backendConfig, type ModelFlags } from './model-options';
import { nonNegativeNumber, positiveInt } from './options';

interface GenerateFlags extends ModelFlags {
  input: string;
  out: string;
  batchSize?: number;
  maxNewTokens: number;
  raw?: boolean;
  chatTemplate?: boolean;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  stop?: string[];
}

export function generateCommand(): Command {
  const cmd = new Command('generate')
    .description('generate completions for a JSONL file of {"id", "prompt"} or {"id", "messages"} lines')
    .requiredOption('--input <file>', 'input JSONL')
    .requiredOption('--out <file>', 'output JSONL {"id", "text", "token_ids", "prompt_tokens", "finish_reason"}; an existing file is resumed')
    .option('--batch-size <n>', 'most requests decoding together (default: the engine chooses)', positiveInt('--batch-size'))
    .option('--max-new-tokens <n>', 'default output limit (a line may set "max_new_tokens")', positiveInt('--max-new-tokens'), 256)
    .addOption(new Option('--chat-template', 'wrap each prompt as one user message of the chat template (default)').conflicts('raw'))
    .addOption(new Option('--raw', 'tokenize prompts as they are (BOS as the tokenizer config says)').conflicts('chatTemplate'))
    .option('--temperature <t>', 'sampling temperature (0 = greedy, the default)', nonNegativeNumber('--temperature'))
    .option('--top-p <p>', 'nucleus sampling mass', nonNegativeNumber('--top-p'))
    .option('--top-k <k>', 'sample among the k most likely tokens', positiveInt('--top-k'))
    .option('--seed <n>', 'random seed for sampling', (v: string) => Number.parseInt(v, 10))
    .option('--stop <text...>', 'stop strings');
  return addModelOptions(cmd, { modelRequired: false }).action(async (flags: GenerateFlags) => {
    const input = await readGenerateInput(flags.input);
    const generator = await openGenerator(
      backendConfig({ ...flags, maxBatch: flags.batchSize ?? flags.maxBatch }, { promptMode: flags.raw ? 'raw' : 'chat' }),
    );
    process.stderr.write(`model ${generator.modelId} on ${generator.description}\n`);
    try {
      const r = await generateFile({
        input,
        out: flags.out,
        generator,
        maxNewTokens: flags.maxNewTokens,
        temperature: flags.temperature,
        topP: flags.topP,
        topK: flags.topK,
        seed: flags.seed,
        stop: flags.stop,
      });
      printSessionEndpoints(generator);
      process.stderr.write(`wrote ${r.generated} completion(s) to ${flags.out}${r.skipped ? ` (${r.skipped} already there)` : ''}\n`);
    } finally {
      await generator.dispose();
    }
  });
}
