import type { LoadedItem, Pathway, PathwayId } from '../pathways';

export interface PromptRecord {
  index: number;
  task: string;
  pathway: PathwayId;
  prompt: string;
}

/** Renders each item with each requested pathway (pathway-major, then file order). */
export function renderPrompts(items: readonly LoadedItem[], pathways: readonly Pathway[]): PromptRecord[] {
  const out: PromptRecord[] = [];
  for (const pathway of pathways) {
    for (const { item } of items) {
      out.push({ index: item.index, task: item.task, pathway: pathway.id, prompt: pathway.render(item) });
    }
  }
  return out;
}
