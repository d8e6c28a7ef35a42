import { readFileSync } from 'node:fs';
import { PATHWAYS, PATHWAY_IDS, parseDataset, selectPerTask, sftTarget, type PathwayId } from '../../../pathways';
import type { TextTokenizer } from '../../../models';

export interface WorkloadRequest {
  /** `<pathway>:<data-file line>`, as `ipdialog run` names its requests. */
  id: string;
  task: string;
  pathway: PathwayId;
  promptIds: number[];
  maxNewTokens: number;
}

/**
 * The benchmark's own workload, shaped as `ipdialog run --pathway all` submits it: K items
 * per task (file order), all five pathways of each item one after another, chat template.
 *
 * Output limits: random weights never stop early, so the limits set the decode volume. Each
 * request may write as many tokens as the item's reference answer has in that pathway's
 * official answer layout (the GT analysis and answer, plus the attribute section the pathway
 * asks for; `sftTarget`, what `export-sft` trains on), counted with the model's tokenizer.
 * That needs only the dataset, so users' `ipdialog bench` runs get the same rule. For scale:
 * with the Qwen tokenizer these limits average 121 (direct-response) to 212
 * (attribute-filter) tokens, 165 over all pathways; Claude-3.5's published direct-response
 * answers average 186.
 */
export function buildWorkload(dataFile: string, tokenizer: TextTokenizer, perTask = 1): WorkloadRequest[] {
  const data = parseDataset(readFileSync(dataFile, 'utf8'), dataFile);
  return selectPerTask(data.items, perTask).flatMap(({ item, source }) =>
    PATHWAY_IDS.map((pathway) => ({
      id: `${pathway}:${source.line}`,
      task: item.task,
      pathway,
      promptIds: tokenizer.encodeChat([{ role: 'user', content: PATHWAYS.get(pathway)!.render(item) }]),
      maxNewTokens: tokenizer.encode(sftTarget(item, pathway), { addSpecialTokens: false }).length,
    })),
  );
}

/** What a measured process reads: the requests and the model's EOS ids. */
export interface WorkloadFile {
  requests: WorkloadRequest[];
  eos: number[];
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
