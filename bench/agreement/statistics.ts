// How well a local judge agrees with the paper's GPT-4o-Score, over (model, task) cells: per
// sub-score Pearson and Spearman correlation, Kendall's tau of the models' ranking, and the
// mean bias (local minus official: positive is a more lenient judge). Pure.
import { kendallTauB, pearson, type JudgeScoreName } from '../../scorers';

/** One model on one task: the official mean and the local judge's mean of each score. */
export interface AgreementCell {
  model: string;
  task: string;
  official: Partial<Record<JudgeScoreName, number>>;
  /** Absent where the local judge gave no usable score for the cell. */
  local: Partial<Record<JudgeScoreName, number>>;
}

export interface ScoreAgreement {
  /** Cells with both an official and a local value. */
  numCells: number;
  pearson: number | null;
  spearman: number | null;
  /** Mean of local - official over the cells. */
  meanBias: number | null;
  /** Kendall's tau-b between the models ordered by their mean over tasks, official vs local; null with fewer than 2 models. */
  kendallModels: number | null;
  /** Per model: its mean over the cells it has, official and local, in the order of `models`. */
  models: Array<{ model: string; official: number; local: number }>;
}

/** Ranks from 1, ties sharing their average rank (as scipy.stats.rankdata's default). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].v === order[start].v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k].i] = rank;
    start = end + 1;
  }
  return ranks;
}

/** Spearman's rho: Pearson's r of the average ranks; null where Pearson's is (fewer than 2 points, no spread). */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  return pearson(averageRanks(x), averageRanks(y));
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function scoreAgreement(cells: readonly AgreementCell[], score: JudgeScoreName): ScoreAgreement {
  const both = cells.filter((c) => c.official[score] !== undefined && c.local[score] !== undefined);
  const x = both.map((c) => c.official[score]!);
  const y = both.map((c) => c.local[score]!);
  const models = [...new Set(both.map((c) => c.model))].map((model) => {
    const own = both.filter((c) => c.model === model);
    return { model, official: mean(own.map((c) => c.official[score]!)), local: mean(own.map((c) => c.local[score]!)) };
  });
  const tau = models.length >= 2 ? kendallTauB(models.map((m) => m.official), models.map((m) => m.local)) : NaN;
  return {
    numCells: both.length,
    pearson: pearson(x, y),
    spearman: spearman(x, y),
    meanBias: both.length > 0 ? mean(both.map((c) => c.local[score]! - c.official[score]!)) : null,
    kendallModels: Number.isNaN(tau) ? null : tau,
    models,
  };
}
