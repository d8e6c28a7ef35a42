import { IpdError } from '../../common';
import { AUTO_DTYPE_ORDER, externalDataCandidates, onnxFileName, parseModelConfig, type Dtype, type ModelConfig } from '../../models';
import type { ModelFiles } from './model-files';

const LAYOUT_HINT = 'a model folder needs config.json, tokenizer.json, tokenizer_config.json and onnx/model*.onnx (transformers.js layout)';

/** A model folder checked for completeness, its configs read; the graph is not read yet. */
export interface WebModelFolder {
  files: ModelFiles;
  config: ModelConfig;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  dtype: Dtype;
  /** Path of the chosen graph inside the folder, e.g. onnx/model_q4.onnx. */
  onnxFile: string;
  /** External-data files beside the graph (folder-relative paths). */
  externalData: string[];
}

async function json(files: ModelFiles, path: string): Promise<Record<string, unknown>> {
  const text = await files.text(path);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new IpdError('MODEL_INVALID', `${path} in ${files.label} is not valid JSON: ${(err as Error).message}`, { file: path, cause: err });
  }
}

async function pickGraph(files: ModelFiles, dtype: Dtype | 'auto'): Promise<{ dtype: Dtype; file: string } | undefined> {
  for (const d of dtype === 'auto' ? AUTO_DTYPE_ORDER : [dtype]) {
    if (await files.has(onnxFileName(d))) return { dtype: d, file: onnxFileName(d) };
  }
  return undefined;
}

/**
 * Checks the folder as models/resolve.ts does for Node, but names every missing file at
 * once: a browser user fixes the folder in one go instead of one reload per file.
 */
export async function resolveWebModel(files: ModelFiles, opts: { dtype?: Dtype | 'auto' } = {}): Promise<WebModelFolder> {
  const dtype = opts.dtype ?? 'auto';
  const required = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
  const [present, graph, hasGenConfig] = await Promise.all([
    Promise.all(required.map((f) => files.has(f))),
    pickGraph(files, dtype),
    files.has('generation_config.json'),
  ]);
  const missing = required.filter((_, i) => !present[i]);
  if (!graph) missing.push(dtype === 'auto' ? 'onnx/model.onnx (or another onnx/model_*.onnx)' : `${onnxFileName(dtype)} (dtype ${dtype})`);
  if (missing.length) {
    throw new IpdError('MODEL_NOT_FOUND', `${files.label} is not a complete model folder: missing ${missing.join(', ')}`, {
      file: missing[0],
      hint: LAYOUT_HINT,
    });
  }
  const [configJson, genJson, tokenizerJson, tokenizerConfig] = await Promise.all([
    json(files, 'config.json'),
    hasGenConfig ? json(files, 'generation_config.json') : Promise.resolve({}),
    json(files, 'tokenizer.json'),
    json(files, 'tokenizer_config.json'),
  ]);
  const config = parseModelConfig(configJson, genJson, 'config.json');
  // External-data names are tried in order; the first gap ends the list, as exports number them densely.
  const externalData: string[] = [];
  for (const f of externalDataCandidates(graph!.file)) {
    if (!(await files.has(f))) break;
    externalData.push(f);
  }
  return { files, config, tokenizerJson, tokenizerConfig, dtype: graph!.dtype, onnxFile: graph!.file, externalData };
}
