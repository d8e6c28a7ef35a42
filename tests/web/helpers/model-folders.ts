// A folder of model folders for the app's server (/models/NAME/): the tiny test model, and a
// copy missing its tokenizer.json for the error path.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTinyModel } from '../../helpers/tiny-model';

export interface ModelFolders {
  root: string;
  /** Absolute folder of the tiny model (for the CLI). */
  tinyDir: string;
  /** A folder with config, tokenizer_config and the graph, but no tokenizer.json. */
  incompleteDir: string;
  remove(): void;
}

export async function createModelFolders(): Promise<ModelFolders> {
  const tinyDir = await ensureTinyModel({ preset: 'test' });
  const root = mkdtempSync(path.join(os.tmpdir(), 'ipd-web-models-'));
  symlinkSync(tinyDir, path.join(root, 'tiny'));
  const incompleteDir = path.join(root, 'incomplete');
  mkdirSync(path.join(incompleteDir, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'generation_config.json', 'tokenizer_config.json']) copyFileSync(path.join(tinyDir, f), path.join(incompleteDir, f));
  symlinkSync(path.join(tinyDir, 'onnx', 'model.onnx'), path.join(incompleteDir, 'onnx', 'model.onnx'));
  return { root, tinyDir, incompleteDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}
