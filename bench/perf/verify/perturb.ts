// A test-only switch: with IPDIALOG_BENCH_PERTURB_REFERENCE set, the reference side of
// `ipdialog bench` loads a copy of the model in which one weight differs slightly, so its
// greedy tokens drift from ours and the command must report where, not claim identity.
// The copy links every file of the model folder except the one ONNX file it rewrites.
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IpdError } from '../../../common';
import { decodeInitializer, parseModel } from '../../../engine';

export const PERTURB_ENV = 'IPDIALOG_BENCH_PERTURB_REFERENCE';

const FLOAT = 1;

export interface PerturbedCopy {
  dir: string;
  /** The initializer changed (each element scaled by 0.95 to 1.05). */
  tensor: string;
}

/**
 * The final RMSNorm weight when the graph has one (every HF decoder export names it
 * `model.norm.weight`), else the graph's last fp32 initializer, scaled element-wise by a
 * fixed pattern of factors between 0.95 and 1.05: a change every logit feels a little, so
 * near-ties flip first and the first differing position is usually past the start.
 */
export async function perturbedModelCopy(modelDir: string, onnxPath: string, tmpRoot: string): Promise<PerturbedCopy> {
  const bytes = await readFile(onnxPath);
  const model = parseModel(bytes);
  const floats = [...model.initializerNames].filter((n) => decodeInitializer(model, n)?.dataType === FLOAT);
  const tensor = floats.includes('model.norm.weight') ? 'model.norm.weight' : floats[floats.length - 1];
  const t = tensor ? decodeInitializer(model, tensor) : undefined;
  if (!t?.rawData?.length) {
    throw new IpdError('USAGE', `${PERTURB_ENV}: ${onnxPath} has no fp32 initializer stored in the graph file to perturb`, { file: onnxPath });
  }
  // rawData is a view of `bytes` (protobufjs slices without copying): scaling it edits the file image.
  // A copy (aligned for Float32Array; Buffer.slice would be another view).
  const values = new Float32Array(new Uint8Array(t.rawData).buffer);
  for (let i = 0; i < values.length; i++) values[i] *= 1 + ((i % 5) - 2) * 0.025;
  t.rawData.set(new Uint8Array(values.buffer));

  const dir = await mkdtemp(path.join(tmpRoot, 'ipd-bench-perturbed-'));
  const rel = path.relative(path.resolve(modelDir), path.resolve(onnxPath));
  await linkAllBut(path.resolve(modelDir), dir, rel.split(path.sep));
  await writeFile(path.join(dir, rel), bytes);
  return { dir, tensor };
}

/** Mirrors `src` into `dst` with symlinks, leaving out the file at `skip` (its folders are real). */
async function linkAllBut(src: string, dst: string, skip: string[]): Promise<void> {
  await mkdir(dst, { recursive: true });
  const [head, ...rest] = skip;
  for (const entry of await readdir(src)) {
    if (entry === head && rest.length > 0) await linkAllBut(path.join(src, entry), path.join(dst, entry), rest);
    else if (entry !== head) await symlink(path.join(src, entry), path.join(dst, entry));
  }
}
