// How far two runs' greedy outputs agree: per request whether the tokens are identical and,
// where not, the first position that differs; and what the difference does to the
// benchmark's four metrics (each output scored as `ipdialog run` scores it).
import { readFileSync } from 'node:fs';
import type { TextTokenizer } from '../../../models';
import { PATHWAYS, parseDataset, type DialogItem, type PathwayId } from '../../../pathways';
import { createItemScorer, createMeteor, type ItemMetrics } from '../../../scorers';
import { loadMeteorResources } from '../../../scorers/node';
import type { WorkloadRequest } from './workload';

export interface TokenAgreement {
  total: number;
  identical: number;
  /** Requests whose tokens differ, with the first differing position (0-based). */
  differing: Array<{ id: string; firstDiff: number }>;
  /** Mean first differing position over the differing requests (null when none differ). */
  meanFirstDiff: number | null;
}

export function compareTokens(requests: readonly Pick<WorkloadRequest, 'id'>[], a: Record<string, number[]>, b: Record<string, number[]>): TokenAgreement {
  const differing: TokenAgreement['differing'] = [];
  for (const { id } of requests) {
    const x = a[id] ?? [];
    const y = b[id] ?? [];
    let i = 0;
    while (i < x.length && i < y.length && x[i] === y[i]) i++;
    if (i < x.length || i < y.length) differing.push({ id, firstDiff: i });
  }
  const meanFirstDiff = differing.length ? differing.reduce((n, d) => n + d.firstDiff, 0) / differing.length : null;
  return { total: requests.length, identical: requests.length - differing.length, differing, meanFirstDiff };
}

export type MetricMeans = Record<keyof ItemMetrics, number>;

/** Mean of each metric over the workload's outputs, decoded and scored like a run's. */
export async function scoreOutputs(dataFile: string, tokenizer: TextTokenizer, requests: readonly WorkloadRequest[], outputs: Record<string, number[]>): Promise<MetricMeans> {
  const data = parseDataset(readFileSync(dataFile, 'utf8'), dataFile);
  const byLine = new Map<number, DialogItem>(data.items.map((x) => [x.source.line, x.item]));
  const scorer = createItemScorer({ meteor: createMeteor(await loadMeteorResources()) });
  const sums: MetricMeans = { answerAcc: 0, attributeF1: 0, valueF1: 0, relativeValueAcc: 0 };
  for (const r of requests) {
    const [pathway, line] = r.id.split(':');
    const item = byLine.get(Number(line))!;
    const s = scorer(item, tokenizer.decode(outputs[r.id] ?? [], { skipSpecialTokens: true }), PATHWAYS.get(pathway as PathwayId)!.attributeField);
    for (const k of Object.keys(sums) as Array<keyof MetricMeans>) sums[k] += Number.isNaN(s[k]) ? 0 : s[k];
  }
  for (const k of Object.keys(sums) as Array<keyof MetricMeans>) sums[k] /= requests.length;
  return sums;
}
