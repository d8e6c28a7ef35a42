/** Step "split": a seeded train/test split, per task so each task is in both parts. */
import type { DialogItem } from '../schema';
import { createRng, hashSeed, shuffled } from './rng';

export interface SplitResult {
  train: DialogItem[];
  test: DialogItem[];
}

/**
 * Per task, round(n * testFraction) items go to test (at least one when the task has two or
 * more and the fraction is above 0); both parts keep dataset order.
 */
export function splitTrainTest(items: readonly DialogItem[], testFraction: number, seed: number): SplitResult {
  const byTask = new Map<string, number[]>();
  items.forEach((it, i) => byTask.set(it.task, [...(byTask.get(it.task) ?? []), i]));
  const testIdx = new Set<number>();
  for (const [task, idx] of byTask) {
    let n = Math.round(idx.length * testFraction);
    if (n === 0 && testFraction > 0 && idx.length >= 2) n = 1;
    if (n >= idx.length && idx.length >= 2) n = idx.length - 1;
    for (const i of shuffled(idx, createRng(hashSeed(seed, 'split', task))).slice(0, n)) testIdx.add(i);
  }
  return {
    train: items.filter((_, i) => !testIdx.has(i)),
    test: items.filter((_, i) => testIdx.has(i)),
  };
}
