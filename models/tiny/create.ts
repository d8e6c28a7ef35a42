// createTinyModel: a random-weight decoder written in the transformers.js folder layout.
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildDecoderGraph } from './graph';
import { encodeModel } from './serialize';
import { generationConfig, hfConfig, writeJson, writeTokenizerFiles } from './folder-files';
import { onnxBaseName, resolveTinyModelOptions, tinyModelName, type ResolvedTinyModelOptions, type TinyModelOptions } from './options';
import { createTinyWeights } from './weights';
import { MS_DOMAIN } from './onnx-builder';

export interface TinyModel {
  dir: string;
  /** the folder name that encodes the options (tinyModelName) */
  name: string;
  /** the config.json written */
  config: Record<string, unknown>;
  options: ResolvedTinyModelOptions;
  /** paths relative to `dir`, e.g. `onnx/model_fp16.onnx` */
  files: string[];
}

export async function createTinyModel(opts: TinyModelOptions & { out: string }): Promise<TinyModel> {
  const options = resolveTinyModelOptions(opts);
  const dir = path.resolve(opts.out);
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  const weights = createTinyWeights(options.architecture, options.seed);
  const files: string[] = [];

  for (const dtype of options.dtypes) {
    const c = buildDecoderGraph(options, dtype, weights);
    const file = onnxBaseName(dtype);
    const model = c.g.model({
      graphName: `tiny-${options.family}`,
      producer: 'ip-dialog tiny-model',
      opsets: c.usesMsDomain ? { '': 17, [MS_DOMAIN]: 1 } : { '': 17 },
    });
    const encoded = encodeModel(model, options.externalData ? { location: `${file}_data` } : undefined);
    await writeFile(path.join(dir, 'onnx', file), encoded.model);
    files.push(`onnx/${file}`);
    if (encoded.externalData) {
      await writeChunks(path.join(dir, 'onnx', `${file}_data`), encoded.externalData);
      files.push(`onnx/${file}_data`);
    }
  }

  const config = hfConfig(options);
  await writeJson(path.join(dir, 'config.json'), config);
  await writeJson(path.join(dir, 'generation_config.json'), generationConfig(options));
  await writeTokenizerFiles(options.family, dir);
  files.push('config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json');
  return { dir, name: tinyModelName(opts), config, options, files };
}

async function writeChunks(file: string, chunks: Uint8Array[]): Promise<void> {
  const out = createWriteStream(file);
  for (const chunk of chunks) {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
