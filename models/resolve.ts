import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IpdError } from '../common';
import { parseModelConfig, type ModelConfig } from './config';
import { AUTO_DTYPE_ORDER, externalDataCandidates, onnxFileName, type Dtype } from './dtype';
import type { TinyPresetName } from './tiny';

export interface ResolveModelOptions {
  dtype?: Dtype | 'auto';
  /** ONNX base name inside onnx/ (default "model"). */
  modelFileName?: string;
}

export interface ResolvedModel {
  /** What the user passed (folder path or hub id). */
  id: string;
  source: 'folder' | 'hub';
  /** Absolute folder holding config.json, tokenizer files and onnx/. */
  dir: string;
  config: ModelConfig;
  dtype: Dtype;
  /** Absolute path of the chosen ONNX graph. */
  onnxPath: string;
  /** External-data files beside the graph (absolute paths), empty when weights are inline. */
  externalData: string[];
  /** Hub revision or content hash, for run records. */
  revision?: string;
}

async function readJson(file: string, required: boolean): Promise<Record<string, unknown>> {
  if (!existsSync(file)) {
    if (!required) return {};
    throw new IpdError('MODEL_NOT_FOUND', `missing ${path.basename(file)} in ${path.dirname(file)}`, {
      file,
      hint: 'a model folder needs config.json, tokenizer.json, tokenizer_config.json and onnx/model*.onnx (transformers.js layout)',
    });
  }
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new IpdError('MODEL_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, { file, cause: err });
  }
}

/** Picks the ONNX file for a dtype (or the first present one for `auto`), failing with the choices. */
export function pickOnnxFile(dir: string, dtype: Dtype | 'auto', baseName = 'model'): { dtype: Dtype; file: string } {
  const order = dtype === 'auto' ? AUTO_DTYPE_ORDER : [dtype];
  for (const d of order) {
    const file = path.join(dir, onnxFileName(d, baseName));
    if (existsSync(file)) return { dtype: d, file };
  }
  const present = AUTO_DTYPE_ORDER.filter((d) => existsSync(path.join(dir, onnxFileName(d, baseName))));
  throw new IpdError('MODEL_NOT_FOUND', `no ${dtype === 'auto' ? 'ONNX graph' : `${onnxFileName(dtype as Dtype, baseName)} (dtype ${dtype})`} in ${dir}`, {
    file: path.join(dir, 'onnx'),
    hint: present.length ? `available dtypes: ${present.join(', ')}` : 'expected onnx/model.onnx, onnx/model_fp16.onnx, onnx/model_q4.onnx, ...',
  });
}

/** Resolves a local transformers.js-layout folder. */
export async function resolveModelFolder(dirIn: string, opts: ResolveModelOptions = {}): Promise<ResolvedModel> {
  const dir = path.resolve(dirIn);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new IpdError('MODEL_NOT_FOUND', `model folder ${dir} does not exist`, { file: dir, hint: 'pass a local folder or a Hugging Face id like org/name' });
  }
  const configFile = path.join(dir, 'config.json');
  const config = parseModelConfig(await readJson(configFile, true), await readJson(path.join(dir, 'generation_config.json'), false), configFile);
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    if (!existsSync(path.join(dir, f))) {
      throw new IpdError('MODEL_NOT_FOUND', `missing ${f} in ${dir}`, { file: path.join(dir, f), hint: 'copy the tokenizer files of the model into the folder' });
    }
  }
  const { dtype, file } = pickOnnxFile(dir, opts.dtype ?? 'auto', opts.modelFileName);
  const externalData = externalDataCandidates(file).filter((f) => existsSync(f));
  return { id: dirIn, source: 'folder', dir, config, dtype, onnxPath: file, externalData };
}

/**
 * `tiny` (the `test` preset) and `tiny:<preset>`: a random-weight model made by the project's
 * tiny-model factory, no download needed. Built on first use into the cache folder
 * (`$IPDIALOG_CACHE/models`, default ~/.cache/ipdialog/models), never into the source tree.
 */
export const GENERATED_MODEL_PATTERN = /^tiny(?::([a-z0-9.-]+))?$/;

export function isGeneratedModelName(name: string): boolean {
  return GENERATED_MODEL_PATTERN.test(name);
}

export async function resolveGeneratedModel(name: string, opts: ResolveModelOptions & { onBuild?: (dir: string) => void } = {}): Promise<ResolvedModel> {
  const preset = GENERATED_MODEL_PATTERN.exec(name)?.[1] ?? 'test';
  const { TINY_PRESET_NAMES } = await import('./tiny');
  if (!(TINY_PRESET_NAMES as readonly string[]).includes(preset)) {
    throw new IpdError('MODEL_NOT_FOUND', `no tiny-model preset "${preset}"`, { hint: `use tiny (the test preset) or tiny:<preset> with one of ${TINY_PRESET_NAMES.join(', ')}` });
  }
  const { cacheDir } = await import('../common/cache-dir');
  const { ensureTinyModel } = await import('./tiny-cache');
  const onBuild = opts.onBuild ?? ((dir: string) => process.stderr.write(`creating the random-weight model ${name} in ${dir} (once; later runs reuse it)\n`));
  const dir = await ensureTinyModel(cacheDir('models'), { preset: preset as TinyPresetName }, { onBuild });
  return { ...(await resolveModelFolder(dir, opts)), id: name };
}
