// One benchmark run in the page: render each item with the pathway, generate (all requests
// at once: the engine batches them), score each response as it completes.
import type { TextResult } from '../../../common';
import { ANSWER_KIND, getPathway, selectPerTask, type LoadedItem, type PathwayId, type Task } from '../../../pathways';
import { createItemScorer, createMeteor, type ItemScore } from '../../../scorers';
import { itemId, predictionRecord, type PredictionRecord } from '../../../bench/runlog';
import type { WebEngine } from '../engine/web-engine';
import { loadMeteorResources } from '../scoring/meteor-resources';

export interface RunSettings {
  pathway: PathwayId;
  tasks: readonly Task[];
  perTask: number;
  maxNewTokens: number;
}

export interface RunRow {
  /** The item's id (bench/runlog itemId), also the id of its generation request. */
  key: string;
  entry: LoadedItem;
  prompt: string;
}

export interface RowResult extends RunRow {
  result: TextResult;
  score: ItemScore;
  record: PredictionRecord;
}

export interface RunHooks {
  onStatus(text: string): void;
  onText(key: string, delta: string): void;
  onRowDone(row: RowResult): void;
}

/** The first `perTask` items of each chosen task, in file order (as `--per-task` picks them). */
export function planRun(items: readonly LoadedItem[], settings: RunSettings): RunRow[] {
  const chosen = new Set<string>(settings.tasks);
  const pathway = getPathway(settings.pathway);
  return selectPerTask(
    items.filter((e) => chosen.has(e.item.task)),
    settings.perTask,
  ).map((entry) => ({ key: itemId(entry.item), entry, prompt: pathway.render(entry.item) }));
}

export async function runBenchmark(engine: WebEngine, rows: readonly RunRow[], settings: RunSettings, hooks: RunHooks): Promise<RowResult[]> {
  const pathway = getPathway(settings.pathway);
  // METEOR data (WordNet, Punkt) only when a free-text task is in the run: it is ~10 MB.
  const needsMeteor = rows.some((r) => ['list', 'text'].includes(ANSWER_KIND[r.entry.item.task]));
  if (needsMeteor) hooks.onStatus('loading the METEOR data (WordNet 3.0, Punkt)…');
  const meteor = needsMeteor ? createMeteor(await loadMeteorResources()) : undefined;
  const score = createItemScorer({ meteor });
  hooks.onStatus(`generating ${rows.length} item(s)…`);
  let done = 0;
  return Promise.all(
    rows.map(async (row): Promise<RowResult> => {
      const result = await engine.generate(
        { id: row.key, messages: [{ role: 'user', content: row.prompt }], maxNewTokens: settings.maxNewTokens, temperature: 0 },
        { onText: (delta) => hooks.onText(row.key, delta) },
      );
      const s = score(row.entry.item, result.text, pathway.attributeField);
      const out: RowResult = { ...row, result, score: s, record: predictionRecord(pathway.id, row.entry, row.prompt, result, s) };
      done++;
      hooks.onStatus(`${done} of ${rows.length} item(s) done`);
      hooks.onRowDone(out);
      return out;
    }),
  );
}
