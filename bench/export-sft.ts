/**
 * Supervised fine-tuning data from an IP-Dialog file: the user turn is a pathway's
 * rendered prompt, the assistant turn the official answer layout of that pathway built
 * from the item's GT (pathways/datagen sftTarget). Three layouts:
 *
 *   alpaca    {instruction, input, output}          LLaMA-Factory (alpaca), axolotl (alpaca)
 *   sharegpt  {conversations: [{from, value}]}      LLaMA-Factory (sharegpt), axolotl
 *   messages  {messages: [{role, content}]}         TRL SFTTrainer, axolotl (chat_template)
 *
 * Every line also carries index, task and pathway, so a line can be traced to its item
 * (the trainers ignore extra columns).
 */
import { readDataset, resolveDataFile } from '../pathways/node';
import { sftTarget, type DialogItem, type Pathway } from '../pathways';

export const SFT_FORMATS = ['alpaca', 'sharegpt', 'messages'] as const;
export type SftFormat = (typeof SFT_FORMATS)[number];

export function sftRecord(item: DialogItem, pathway: Pathway, format: SftFormat): Record<string, unknown> {
  const prompt = pathway.render(item);
  const target = sftTarget(item, pathway.id);
  const meta = { index: item.index, task: item.task, pathway: pathway.id };
  switch (format) {
    case 'alpaca':
      // The official alpaca files put the prompt in "input" under an empty instruction;
      // LLaMA-Factory joins the two, so both give the same user turn.
      return { ...meta, instruction: prompt, input: '', output: target };
    case 'sharegpt':
      return { ...meta, conversations: [{ from: 'human', value: prompt }, { from: 'gpt', value: target }] };
    case 'messages':
      return { ...meta, messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: target }] };
  }
}

export interface ExportSftOptions {
  data?: string;
  pathways: readonly Pathway[];
  format: SftFormat;
}

/** JSONL lines grouped by pathway, items in file order within each. */
export function sftLines(items: readonly DialogItem[], pathways: readonly Pathway[], format: SftFormat): string[] {
  return pathways.flatMap((p) => items.map((item) => JSON.stringify(sftRecord(item, p, format))));
}

/** Reads (and validates) the data file and returns its export lines. */
export async function exportSft(opts: ExportSftOptions): Promise<{ file: string; lines: string[] }> {
  const file = await resolveDataFile(opts.data);
  const { items } = await readDataset(file);
  return { file, lines: sftLines(items.map((x) => x.item), opts.pathways, opts.format) };
}
