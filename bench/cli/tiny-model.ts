import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { IpdError } from '../../common';
import { TINY_DTYPES, TINY_PRESET_NAMES, createTinyModel, tinyParameterCount, type TinyDtype, type TinyModelOptions, type TinyPresetName } from '../../models/tiny';

interface TinyModelFlags {
  preset: TinyPresetName;
  out: string;
  seed: number;
  dtype?: TinyDtype[];
  family?: 'llama' | 'qwen2';
  layers?: number;
  attention: 'standard' | 'gqa';
  positionIds: boolean;
  numLogitsToKeep?: boolean;
  externalData?: boolean;
  force?: boolean;
}

export function tinyModelCommand(): Command {
  return new Command('tiny-model')
    .description('write a random-weight model (Llama architecture, real tokenizer) in the transformers.js folder layout, for tests and benchmarks')
    .addOption(
      new Option('--preset <name>', 'test: 2 layers, hidden 64 (fast); bench: 12 layers, hidden 768, ~174M parameters; qwen2.5-0.5b: the shape of Qwen2.5-0.5B-Instruct (24 layers, 494M parameters)')
        .choices([...TINY_PRESET_NAMES])
        .default('test'),
    )
    .requiredOption('--out <dir>', 'folder to write (config.json, tokenizer, onnx/model*.onnx)')
    .option('--seed <n>', 'weights seed: the same seed writes byte-identical files', seedValue, 0)
    .option('--dtype <list>', `one ONNX file per dtype, comma-separated: ${TINY_DTYPES.join(', ')} (default fp32)`, dtypeList)
    .addOption(new Option('--family <name>', "llama: Llama-3.1 tokenizer; qwen2: Qwen2.5 tokenizer, q/k/v biases, two EOS ids (default: the preset's, else llama)").choices(['llama', 'qwen2']))
    .option('--layers <n>', "number of decoder layers (default: the preset's)", positiveInt)
    .addOption(new Option('--attention <kind>', 'standard ONNX ops, or com.microsoft GroupQueryAttention as onnxruntime-genai exports').choices(['standard', 'gqa']).default('standard'))
    .option('--no-position-ids', 'no position_ids input: positions come from attention_mask inside the graph')
    .option('--num-logits-to-keep', 'add the int64 scalar input num_logits_to_keep (0 = all positions)')
    .option('--external-data', 'store the weights in onnx/<file>.onnx_data')
    .option('--force', 'replace the model files of an existing folder')
    .action(async (flags: TinyModelFlags) => {
      await prepareFolder(flags.out, flags.force === true);
      const opts: TinyModelOptions = {
        preset: flags.preset,
        seed: flags.seed,
        dtypes: flags.dtype ?? ['fp32'],
        family: flags.family,
        attention: flags.attention,
        positionIds: flags.positionIds,
        numLogitsToKeep: flags.numLogitsToKeep === true,
        externalData: flags.externalData === true,
        ...(flags.layers !== undefined && { architecture: { numLayers: flags.layers } }),
      };
      const started = performance.now();
      const model = await createTinyModel({ ...opts, out: flags.out });
      const seconds = (performance.now() - started) / 1000;
      const params = tinyParameterCount(model.options.architecture);
      process.stderr.write(`wrote ${model.name} (${(params / 1e6).toFixed(1)}M parameters) to ${model.dir} in ${seconds.toFixed(1)} s\n`);
      for (const f of model.files) process.stderr.write(`  ${f}  ${formatBytes((await stat(path.join(model.dir, f))).size)}\n`);
    });
}

function seedValue(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new IpdError('USAGE', `--seed must be an integer in [0, 2^32) (got "${value}")`);
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new IpdError('USAGE', `expected a positive integer (got "${value}")`);
  return n;
}

/** `--dtype fp16,q4` or repeated flags; they add up. */
function dtypeList(value: string, previous: TinyDtype[] = []): TinyDtype[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const d of list) if (!TINY_DTYPES.includes(d as TinyDtype)) throw new IpdError('USAGE', `--dtype: unknown dtype "${d}" (expected ${TINY_DTYPES.join(', ')})`);
  return [...new Set([...previous, ...(list as TinyDtype[])])];
}

/** Files the factory writes; --force removes only these, never anything else in the folder. */
const FACTORY_FILES = /^(config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|onnx\/model(_[a-z0-9]+)?\.onnx(_data)?)$/;

async function prepareFolder(dir: string, force: boolean): Promise<void> {
  if (!existsSync(dir)) return;
  const entries = await listFiles(dir);
  if (entries.length === 0) return;
  if (!force) throw new IpdError('USAGE', `${dir} is not empty`, { hint: 'pass --force to replace the model files in it, or choose another --out' });
  for (const f of entries) if (FACTORY_FILES.test(f)) await rm(path.join(dir, f));
}

async function listFiles(dir: string): Promise<string[]> {
  const top = await readdir(dir, { withFileTypes: true });
  const out = top.filter((e) => e.isFile()).map((e) => e.name);
  if (top.some((e) => e.isDirectory() && e.name === 'onnx')) out.push(...(await readdir(path.join(dir, 'onnx'))).map((f) => `onnx/${f}`));
  return out.concat(top.filter((e) => e.isDirectory() && e.name !== 'onnx').map((e) => `${e.name}/`));
}

function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}
