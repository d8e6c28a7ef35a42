// Which files a model needs, and which dtype `auto` means for a hub id. The ONNX file names and
// their external-data chunks come from transformers.js' ModelRegistry, so we fetch exactly what
// `from_pretrained` would load for the same config and dtype.
import { AUTO_DTYPE_ORDER, isDtype, onnxFileName, type Dtype } from '../dtype';

/** Files every model of the project needs besides its ONNX graph. */
export const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
export const OPTIONAL_FILES = ['generation_config.json'] as const;

/**
 * The ONNX graph and its external-data files for a dtype, as transformers.js names them:
 * `onnx/model_q4.onnx`, plus `onnx/model_q4.onnx_data[_N]` when config.json's
 * `transformers.js_config.use_external_data_format` says so.
 */
export async function onnxFilesFor(id: string, config: Record<string, unknown>, dtype: Dtype, baseName = 'model'): Promise<{ graph: string; declaredData: string[] }> {
  const graph = onnxFileName(dtype, baseName);
  try {
    const { ModelRegistry } = await import('@huggingface/transformers');
    const files = (await ModelRegistry.get_model_files(id, { config: config as never, dtype, model_file_name: baseName })) as string[];
    if (files.includes(graph)) return { graph, declaredData: files.filter((f) => f.startsWith(`${graph}_data`)) };
  } catch {
    // A config transformers.js cannot classify still names its graph by convention.
  }
  return { graph, declaredData: [] };
}

/** The dtype the export itself recommends (`transformers.js_config.dtype`), when it names one. */
export function configDtype(config: Record<string, unknown>): Dtype | undefined {
  const js = config['transformers.js_config'] as { dtype?: unknown } | undefined;
  return typeof js?.dtype === 'string' && isDtype(js.dtype) ? js.dtype : undefined;
}

/** Order in which `auto` tries dtypes on the hub: the export's own choice first, then CPU order. */
export function autoDtypeCandidates(config: Record<string, unknown>): Dtype[] {
  const preferred = configDtype(config);
  return preferred ? [preferred, ...AUTO_DTYPE_ORDER.filter((d) => d !== preferred)] : [...AUTO_DTYPE_ORDER];
}
