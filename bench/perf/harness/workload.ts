import { readFileSync } from 'node:fs';
import { PATHWAYS, parseDataset, selectPerTask } from '../../../pathways';
import type { TextTokenizer } from '../../../models';

export interface WorkloadRequest {
  id: string;
  task: string;
  promptIds: number[];
  maxNewTokens: number;
}

/**
 * The issue-5 workload: 3 items per task of the direct-response pathway, chat template,
 * each request limited to about half its reference answer (16 to 128 tokens).
 */
export function buildWorkload(dataFile: string, tokenizer: TextTokenizer, perTask = 3): WorkloadRequest[] {
  const data = parseDataset(readFileSync(dataFile, 'utf8'), dataFile);
  const pathway = PATHWAYS.get('direct-response')!;
  return selectPerTask(data.items, perTask).map(({ item, source }) => {
    const reference = `- Analysis: [${item.GT.analysis}]\n- Answer: [${Array.isArray(item.GT.answer) ? item.GT.answer.join(', ') : item.GT.answer}]`;
    const refLen = tokenizer.encode(reference, { addSpecialTokens: false }).length;
    return {
      id: `line-${source.line}`,
      task: item.task,
      promptIds: tokenizer.encodeChat([{ role: 'user', content: pathway.render(item) }]),
      maxNewTokens: Math.min(128, Math.max(16, Math.round(refLen / 2))),
    };
  });
}

/** Greedy output as compared: cut at the request's own limit and at the first EOS (kept). */
export function normalizeOutput(ids: readonly number[], maxNew: number, eos: readonly number[]): number[] {
  const out: number[] = [];
  for (const t of ids.slice(0, maxNew)) {
    out.push(t);
    if (eos.includes(t)) break;
  }
  return out;
}
