/**
 * Sentence embeddings for near-duplicate removal: a local model folder (transformers.js /
 * Optimum layout, e.g. an all-MiniLM-L6-v2 export) run through transformers.js'
 * feature-extraction pipeline with mean pooling and normalization. Nothing is downloaded.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { IpdError } from '../../common';
import type { EmbedFn } from '../../pathways';

export interface LoadedEmbedder {
  embed: EmbedFn;
  model: string;
  dispose(): Promise<void>;
}

/** Texts embedded per pipeline call: bounds memory on long lists. */
const BATCH = 32;

export async function loadEmbedder(dir: string): Promise<LoadedEmbedder> {
  const abs = path.resolve(dir);
  if (!existsSync(path.join(abs, 'config.json'))) {
    throw new IpdError('MODEL_NOT_FOUND', `--embed-model ${dir} is not a model folder (no config.json)`, {
      file: abs,
      hint: 'pass a local transformers.js model folder (config.json, tokenizer.json, onnx/model.onnx), or leave --embed-model out for the lexical fallback',
    });
  }
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = '/';
  let extractor: Awaited<ReturnType<typeof pipeline<'feature-extraction'>>>;
  try {
    extractor = await pipeline('feature-extraction', abs, { dtype: 'fp32' });
  } catch (err) {
    throw new IpdError('MODEL_INVALID', `cannot load the embedding model ${dir}: ${(err as Error).message}`, { file: abs, cause: err });
  }
  return {
    model: abs,
    async embed(texts) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        const t = await extractor(texts.slice(i, i + BATCH), { pooling: 'mean', normalize: true });
        out.push(...(t.tolist() as number[][]));
      }
      return out;
    },
    dispose: () => extractor.dispose(),
  };
}
