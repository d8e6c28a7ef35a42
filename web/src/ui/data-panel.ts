import { checkUniqueItems, sha256Hex } from '../../../bench/runlog';
import { IpdError } from '../../../common';
import { OFFICIAL_TEST_SET, PATHWAYS, PATHWAY_IDS, TASKS, parseDataset, type LoadedItem, type PathwayId, type Task } from '../../../pathways';
import type { RunSettings } from '../run/benchmark-run';
import { byId, el } from './dom';

const CACHE_NAME = 'ipdialog-data';

export interface LoadedDataset {
  fileName: string;
  sha256: string;
  items: LoadedItem[];
}

/** The data section: the JSONL file, the pathway, the tasks and how many items per task. */
export class DataPanel {
  dataset?: LoadedDataset;

  constructor(private readonly hooks: { onLoaded(): void; onError(err: unknown): void }) {
    const select = byId<HTMLSelectElement>('pathway');
    for (const id of PATHWAY_IDS) select.append(el('option', { value: id, textContent: `${id} (${PATHWAYS.get(id)!.paperName})` }));
    const box = byId('tasks');
    for (const t of TASKS) box.append(el('label', {}, el('input', { type: 'checkbox', value: t, checked: true }), ` ${t}`));
    byId<HTMLInputElement>('data-file').addEventListener('change', (ev) => {
      const f = (ev.target as HTMLInputElement).files?.[0];
      if (f) void this.loadText(f.name, () => f.text());
    });
    byId('load-official').addEventListener('click', () => void this.loadText(OFFICIAL_TEST_SET.fileName, fetchOfficial));
  }

  private async loadText(fileName: string, read: () => Promise<string>): Promise<void> {
    const status = byId('data-status');
    status.textContent = `Reading ${fileName}…`;
    try {
      const text = await read();
      const parsed = parseDataset(text, fileName);
      checkUniqueItems(parsed.items);
      this.dataset = { fileName, sha256: await sha256Hex(text), items: parsed.items };
      const tasks = new Set(parsed.items.map((e) => e.item.task));
      status.textContent = `${fileName}: ${parsed.items.length} items in ${tasks.size} tasks.`;
      this.hooks.onLoaded();
    } catch (err) {
      this.dataset = undefined;
      status.textContent = `Could not read ${fileName}.`;
      this.hooks.onError(err);
    }
  }

  settings(): RunSettings {
    const num = (id: string) => {
      const v = Number(byId<HTMLInputElement>(id).value);
      if (!Number.isInteger(v) || v < 1) throw new IpdError('USAGE', `${id.replace(/-/g, ' ')} must be a positive whole number`, { field: id });
      return v;
    };
    const tasks = [...document.querySelectorAll<HTMLInputElement>('#tasks input:checked')].map((i) => i.value as Task);
    if (tasks.length === 0) throw new IpdError('USAGE', 'choose at least one task');
    return { pathway: byId<HTMLSelectElement>('pathway').value as PathwayId, tasks, perTask: num('per-task'), maxNewTokens: num('max-new-tokens') };
  }
}

/** The official file, from the browser's cache after the first download; its hash is checked either way. */
async function fetchOfficial(): Promise<string> {
  const cache = 'caches' in globalThis ? await caches.open(CACHE_NAME) : undefined;
  let res = await cache?.match(OFFICIAL_TEST_SET.url);
  if (!res) {
    try {
      res = await fetch(OFFICIAL_TEST_SET.url);
    } catch (err) {
      throw new IpdError('DATA_DOWNLOAD', `cannot download the official test set: ${(err as Error).message}`, { hint: 'pick the file with the file chooser instead', cause: err });
    }
    if (!res.ok) throw new IpdError('DATA_DOWNLOAD', `downloading the official test set failed: HTTP ${res.status}`, { hint: 'pick the file with the file chooser instead' });
    await cache?.put(OFFICIAL_TEST_SET.url, res.clone());
  }
  const text = await res.text();
  if ((await sha256Hex(text)) !== OFFICIAL_TEST_SET.sha256) {
    await cache?.delete(OFFICIAL_TEST_SET.url);
    throw new IpdError('DATA_DOWNLOAD', 'the downloaded test set does not match its pinned SHA-256', { hint: 'try again, or pick the file with the file chooser' });
  }
  return text;
}
