// The ground truth the sample browser shows beside each prediction. Browser-safe.
import type { DialogItem } from '../../pathways';
import { itemId } from '../runlog';
import type { GtRecord } from './types';

export function gtRecord(item: DialogItem): GtRecord {
  return {
    index: item.index,
    task: item.task,
    request: item.request,
    analysis: item.GT.analysis,
    answer: item.GT.answer,
    related_attributes: item.GT.related_attributes,
  };
}

/** Ground truth of the wanted items (all when `wanted` is undefined), keyed by itemId. */
export function groundTruth(items: readonly DialogItem[], wanted?: ReadonlySet<string>): Record<string, GtRecord> {
  const gt: Record<string, GtRecord> = {};
  for (const item of items) {
    const id = itemId(item);
    if (!wanted || wanted.has(id)) gt[id] = gtRecord(item);
  }
  return gt;
}
