import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { IpdError } from '../../common';
import { parseDtype } from '../../models';
import { resolveDataFile } from '../../pathways/node';
import { renderBenchMarkdown, renderBenchText, runBench, type BenchOptions } from '../perf/verify';
import { numericsOption } from './model-options';
import { positiveInt, positiveIntList } from './options';

function gigabytesPerSecond(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new IpdError('USAGE', `--bandwidth-gbs must be a positive number of GB/s (got "${value}")`);
  return n;
}

interface BenchFlags extends Omit<BenchOptions, 'data' | 'log'> {
  data?: string;
  out?: string;
  markdown?: boolean;
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('verify exactness and speed here: our engine vs transformers.js generate() on your model and device, on the benchmark\'s own workload (greedy tokens per request, tokens/s, memory, batch-1 decode vs the bandwidth bound)')
    .requiredOption('--model <id-or-dir>', 'local model folder (transformers.js layout) or Hugging Face id')
    .option('--dtype <dtype>', 'weights: auto, fp32, fp16, q8, q4, q4f16', parseDtype, 'auto')
    .addOption(new Option('--device <name>', 'where both sides run (auto: CUDA when its provider works, else the CPU)').choices(['auto', 'cpu', 'cuda', 'webgpu']).default('cpu'))
    .option('--per-task <k>', 'items per task, each with all five pathways (1: 50 requests, every task and pathway once)', positiveInt('--per-task'), 1)
    .option('--requests <n>', 'only the first N requests of that workload (quick device checks)', positiveInt('--requests'))
    .option('--max-new-tokens <n>', 'cap every output limit (default: each reference answer\'s length) and the batch-1 decode (default 128 tokens)', positiveInt('--max-new-tokens'))
    .addOption(numericsOption())
    .option('--threads <n>', 'onnxruntime intra-op threads of both sides (default: all cores)', positiveInt('--threads'))
    .option('--ref-batch <sizes>', 'transformers.js prompts per static batch, sorted by length; several (e.g. 16,8,32) are swept, a size that falls behind stops early, and ours is compared with the fastest', positiveIntList('--ref-batch'), [8])
    .option('--bandwidth-gbs <n>', 'device memory bandwidth (GB/s) for the batch-1 bound; needed on a GPU (its datasheet value), measured on the CPU otherwise', gigabytesPerSecond)
    .option('--data <file>', 'IP-Dialog JSONL (default: the official test set, downloaded once into the cache)')
    .option('--out <file>', 'also write the report as JSON (schema: README, "Verify on your machine")')
    .option('--markdown', 'print the table as Markdown, ready to paste into an issue')
    .option('--offline', 'never touch the network; hub models must be in the cache')
    .action(async (flags: BenchFlags) => {
      const { out, markdown, data, ...options } = flags;
      const report = await runBench({ ...options, data: await resolveDataFile(data) });
      if (out) {
        await mkdir(path.dirname(path.resolve(out)), { recursive: true });
        await writeFile(out, `${JSON.stringify(report, null, 1)}\n`);
      }
      process.stdout.write(markdown ? renderBenchMarkdown(report) : renderBenchText(report));
      // In exact mode a difference is a failed check: say so in the exit code too.
      if (flags.numerics === 'exact' && !report.agreement.allIdentical) {
        process.stderr.write(`bench: greedy tokens differ from transformers.js for ${report.agreement.total - report.agreement.identical} of ${report.agreement.total} requests in exact mode\n`);
        process.exitCode = 1;
      }
    });
}
