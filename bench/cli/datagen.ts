import { Command } from 'commander';
import { IpdError } from '../../common';
import { TASKS, isTask, type Task } from '../../pathways';
import { openGenerator } from '../backends';
import { DATAGEN_STEPS, runDatagen, type DatagenStep } from '../datagen';
import { formatDatagenSummary } from '../datagen/report';
import { printSessionEndpoints } from './endpoint-table';
import { addModelOptions, backendConfig, type ModelFlags } from './model-options';
import { nonNegativeNumber, positiveInt } from './options';

interface DatagenFlags extends ModelFlags {
  out: string;
  tasks: string;
  attributeGroups: number;
  subjectsPerDomain: number;
  maxDomains?: number;
  maxRetries: number;
  regenerateEvery: number;
  seed: number;
  steps?: string;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  testFraction: number;
  embedModel?: string;
  dedupThreshold?: number;
  quiet?: boolean;
}

function parseList<T extends string>(flag: string, value: string, allowed: readonly T[], check: (v: string) => v is T): T[] {
  if (value === 'all') return [...allowed];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !check(s));
  if (bad.length || items.length === 0) throw new IpdError('USAGE', `${flag}: unknown ${bad.join(', ') || '(empty list)'}`, { hint: `use all or a comma-separated list of ${allowed.join(', ')}` });
  return items as T[];
}

function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new IpdError('USAGE', `${name} must be a non-negative integer (got "${value}")`);
    return n;
  };
}

const isStep = (v: string): v is DatagenStep => (DATAGEN_STEPS as readonly string[]).includes(v);

export function datagenCommand(): Command {
  const cmd = new Command('datagen')
    .description('generate IP-Dialog style data on a local model: attribute groups -> subjects -> requests -> answers -> histories -> dataset; a rerun resumes')
    .requiredOption('--out <dir>', 'run folder: steps/ (resumable intermediate files), dataset.jsonl, train.jsonl, test.jsonl, stats.json')
    .option('--tasks <list>', `comma-separated tasks or all (${TASKS.join(', ')})`, 'all')
    .option('--attribute-groups <n>', 'attribute groups to sample (request prompts take them in turn; risk_detect asks once per group)', positiveInt('--attribute-groups'), 200)
    .option('--subjects-per-domain <k>', 'subjects kept per domain (the prompt asks for 10)', positiveInt('--subjects-per-domain'), 10)
    .option('--max-domains <d>', 'first d domains of each task (default: all)', positiveInt('--max-domains'))
    .option('--max-retries <r>', 'history rounds: tries after the first before a set is dropped (the paper used 30)', nonNegativeInt('--max-retries'), 8)
    .option('--regenerate-every <n>', 'history rounds: every n-th retry regenerates instead of improving', positiveInt('--regenerate-every'), 4)
    .option('--seed <s>', 'seed for group sampling, generation and the split', (v: string) => Number.parseInt(v, 10), 0)
    .option('--steps <list>', `run only these steps (earlier ones must be finished): ${DATAGEN_STEPS.join(', ')}`)
    .option('--max-new-tokens <n>', 'output limit per call', positiveInt('--max-new-tokens'), 500)
    .option('--temperature <t>', 'sampling temperature for generated text (judgments are greedy)', nonNegativeNumber('--temperature'), 0.7)
    .option('--top-p <p>', 'nucleus sampling mass', nonNegativeNumber('--top-p'), 0.95)
    .option('--test-fraction <f>', 'share of each task that goes to test.jsonl', nonNegativeNumber('--test-fraction'), 0.1)
    .option('--embed-model <dir>', 'local sentence-embedding model folder for near-duplicate removal (default: lexical TF-IDF)')
    .option('--dedup-threshold <c>', 'cosine at or above which an item is a near-duplicate (default 0.95 embedding, 0.9 lexical)', nonNegativeNumber('--dedup-threshold'))
    .option('--quiet', 'no progress lines');
  return addModelOptions(cmd).action(async (flags: DatagenFlags) => {
    const tasks = parseList<Task>('--tasks', flags.tasks, TASKS, isTask);
    const steps = flags.steps ? parseList<DatagenStep>('--steps', flags.steps, DATAGEN_STEPS, isStep) : undefined;
    if (flags.testFraction > 1) throw new IpdError('USAGE', `--test-fraction must be at most 1 (got ${flags.testFraction})`);
    if (!Number.isInteger(flags.seed)) throw new IpdError('USAGE', '--seed must be an integer');
    const generator = await openGenerator(backendConfig(flags));
    if (!flags.quiet) process.stderr.write(`model ${generator.modelId} on ${generator.description}\n`);
    try {
      const stats = await runDatagen({ ...flags, tasks, steps }, generator, { quiet: flags.quiet });
      process.stderr.write(`${formatDatagenSummary(stats, flags.out)}\n`);
      printSessionEndpoints(generator);
    } finally {
      await generator.dispose();
    }
  });
}
