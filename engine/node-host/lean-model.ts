import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, open, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IpdError } from '../../common';
import { cacheDir } from '../../common/node';
import { inspectDecoder, type DecoderIo } from '../graph/decoder-io';
import { rewriteLean, type LeanIo, type LeanTarget, type Numerics } from '../graph/lean-graph';
import type { Int8Levels } from '../graph/fast-numerics';
import { buildHeadGraph } from '../graph/screen-head';
import { parseModel } from '../graph/onnx-model';

/** Bump when the rewrite changes, so cached lean graphs are rebuilt. */
const LEAN_VERSION = 31;

export interface PreparedGraph {
  /** The graph file to load (the lean rewrite, or the original when lean is off). */
  path: string;
  /** The folder of the rewrite (its weight file, the screened head's exact graph). */
  dir?: string;
  io: DecoderIo;
  lean?: LeanIo;
  /**
   * External weight files the session must be handed in memory: onnxruntime refuses
   * external data outside the graph's folder (symlinks included), and a hard link into the
   * cache is impossible across file systems.
   */
  externalData?: Array<{ path: string; file: string }>;
}

async function readModelBytes(onnxPath: string): Promise<Uint8Array> {
  try {
    return await readFile(onnxPath);
  } catch (err) {
    throw new IpdError('MODEL_NOT_FOUND', `cannot read ${onnxPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: onnxPath, cause: err });
  }
}

function parseOrFail(bytes: Uint8Array, onnxPath: string) {
  try {
    return parseModel(bytes);
  } catch (err) {
    throw new IpdError('MODEL_INVALID', `${onnxPath} is not a readable ONNX model: ${(err as Error).message}`, {
      file: onnxPath,
      hint: 'the file may be truncated; download it again',
      cause: err,
    });
  }
}

/**
 * Returns the graph the engine loads. With `lean`, the export is rewritten once
 * (last-position logits, new-KV outputs, in-graph ArgMax) and cached under
 * $XDG_CACHE_HOME/ipdialog/lean/, external weight files linked beside it.
 */
export async function prepareGraph(
  onnxPath: string,
  externalData: readonly string[],
  lean: boolean,
  dims: { hiddenSize: number; vocabSize: number; numAttentionHeads: number; numKeyValueHeads: number },
  target: LeanTarget = 'host',
  numerics: Numerics = 'exact',
  opts: { screenHead?: boolean; intLevels?: Int8Levels; cpuKernels?: boolean } = {},
): Promise<PreparedGraph> {
  const real = await realpath(onnxPath).catch(() => onnxPath);
  const st = await stat(real).catch(() => undefined);
  if (!st) throw new IpdError('MODEL_NOT_FOUND', `missing ONNX graph ${onnxPath}`, { file: onnxPath });
  const mode = lean ? `${target}${numerics === 'fast' ? '-fast' : ''}${opts.screenHead ? '-screen' : ''}${opts.intLevels === 63 ? '-int7' : ''}${opts.cpuKernels ? '-cpu' : ''}` : 'plain';
  const key = createHash('sha1').update(`${real}\0${st.size}\0${st.mtimeMs}\0${LEAN_VERSION}\0${mode}`).digest('hex').slice(0, 16);
  const dir = cacheDir('lean', key);
  const metaFile = path.join(dir, 'lean.json');
  const leanFile = path.join(dir, path.basename(onnxPath));
  if (existsSync(metaFile)) {
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as { io: DecoderIo; lean?: LeanIo; externalData?: PreparedGraph['externalData'] };
    if (!meta.lean) return { path: onnxPath, io: meta.io };
    if (existsSync(leanFile)) return { path: leanFile, dir, io: meta.io, lean: meta.lean, externalData: meta.externalData };
  }
  await removeStaleEntries(real, mode, dir);
  const bytes = await readModelBytes(onnxPath);
  const model = parseOrFail(bytes, onnxPath);
  const io = inspectDecoder(model, onnxPath);
  await mkdir(dir, { recursive: true });
  if (!lean || model.opsetVersion < 10) {
    if (numerics === 'fast') throw new IpdError('USAGE', `--numerics fast needs the engine's graph rewrite, which ${lean ? `opset ${model.opsetVersion} of ${onnxPath} does not allow` : 'is off'}`);
    await writeFile(metaFile, JSON.stringify({ source: real, mode, io }));
    return { path: onnxPath, io };
  }
  // Weights embedded in the graph move to a page-aligned file beside it, which onnxruntime maps
  // instead of copying out of a parsed protobuf (a 700 MB graph loaded 1-2 s faster here).
  const dataName = `${path.basename(leanFile)}_data`;
  const external = externalData.length === 0 ? { location: dataName, minBytes: 1 << 16, data: [] as Uint8Array[], placed: new Map() } : undefined;
  const { chunks, lean: leanIo } = rewriteLean(model, io, dims, target, external, numerics, { screenHead: opts.screenHead, intLevels: opts.intLevels, cpuKernels: opts.cpuKernels });
  if (external?.data.length) await writeChunks(path.join(dir, dataName), external.data);
  await writeChunks(leanFile, chunks);
  if (leanIo.screen) {
    // The exact head, for steps that sample from full logits (created only when needed).
    leanIo.screen.headGraph = 'lm_head.onnx';
    await writeChunks(path.join(dir, leanIo.screen.headGraph), [buildHeadGraph(leanIo.screen)]);
  }
  // External weights are referenced by file name relative to the graph: hard-link them in
  // (no copy); across file systems, hand them to the session in memory instead.
  const inMemory: NonNullable<PreparedGraph['externalData']> = [];
  for (const f of externalData) {
    const target = path.join(dir, path.basename(f));
    await rm(target, { force: true });
    try {
      await link(await realpath(f), target);
    } catch {
      inMemory.push({ path: path.basename(f), file: await realpath(f) });
    }
  }
  const extra = inMemory.length ? { externalData: inMemory } : {};
  await writeFile(metaFile, JSON.stringify({ source: real, mode, io, lean: leanIo, ...extra }));
  return { path: leanFile, dir, io, lean: leanIo, ...extra };
}

/** Lean graphs of an older version or file of the same source, or of a model that is gone: gigabytes each for big models. */
async function removeStaleEntries(source: string, mode: string, keep: string): Promise<void> {
  const root = path.dirname(keep);
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const dir = path.join(root, name);
    if (dir === keep) continue;
    try {
      const meta = JSON.parse(await readFile(path.join(dir, 'lean.json'), 'utf8')) as { source?: string; mode?: string };
      // Also entries whose model is gone (temporary copies, deleted downloads).
      const orphan = !meta.source || !existsSync(meta.source);
      if (orphan || (meta.source === source && meta.mode === mode)) await rm(dir, { recursive: true, force: true });
    } catch {
      // not an entry of ours, or being written right now
    }
  }
}

/** Writes chunks to a temp file and renames it into place. */
async function writeChunks(file: string, chunks: readonly Uint8Array[]): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    for (const c of chunks) await fh.write(c);
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}
