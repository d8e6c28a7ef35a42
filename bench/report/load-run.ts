// A run folder as the report needs it: bench/runlog's validated, migrated records and their
// reduce(), plus the ground truth of the predicted items from the run's data file.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IpdError } from '../../common';
import { readDataset } from '../../pathways/node';
import { itemId, sha256Hex, type RunRecord } from '../runlog';
import { readRun } from '../runlog/node';
import { groundTruth } from './ground-truth';
import type { GtRecord, LoadedRun } from './types';

export async function loadRun(dir: string): Promise<LoadedRun> {
  const log = await readRun(dir);
  const notes = [...log.notes];
  const gt = await readGroundTruth(dir, log.run, new Set(log.predictions.map((p) => itemId(p))), notes);
  return { dir, run: log.run, predictions: log.predictions, metrics: log.metrics, judge: log.judge, ...(gt && { gt }), notes };
}

/**
 * The GT of the predicted items from spec.data_file, tried as given (absolute, or relative
 * to the working directory) and then relative to the run folder. Without it the sample
 * browser shows what the predictions hold.
 */
async function readGroundTruth(dir: string, run: RunRecord, wanted: ReadonlySet<string>, notes: string[]): Promise<Record<string, GtRecord> | undefined> {
  const candidates = [path.resolve(run.spec.data_file), path.resolve(dir, run.spec.data_file)];
  const file = candidates.find((f) => existsSync(f));
  if (!file) {
    notes.push(`dataset ${run.spec.data_file} not found: the sample browser shows no ground truth`);
    return undefined;
  }
  if ((await sha256Hex(await readFile(file))) !== run.spec.data_sha256) {
    notes.push(`dataset ${file} differs from the one the run used (sha256 mismatch): its ground truth may not match`);
  }
  let dataset: Awaited<ReturnType<typeof readDataset>>;
  try {
    dataset = await readDataset(file, { skipInvalid: true });
  } catch (err) {
    // The report is a viewer: a dataset it cannot read costs the GT column, not the report.
    notes.push(`dataset ${file} could not be read (${IpdError.from(err).message}): the sample browser shows no ground truth`);
    return undefined;
  }
  if (dataset.skipped.length > 0) notes.push(`dataset ${file}: ${new Set(dataset.skipped.map((s) => s.line)).size} invalid line(s) skipped`);
  return groundTruth(
    dataset.items.map((e) => e.item),
    wanted,
  );
}
