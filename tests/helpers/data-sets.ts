/**
 * Data sets built from real items for the data-report tests and its speed measurement:
 * perturbed resamples (a training-set-sized file with the official set's vocabulary and
 * lengths), planted near-duplicates, a skewed attribute and a low-diversity set.
 *
 * Run directly to write a resampled set:
 *   npx tsx tests/helpers/data-sets.ts ../shared/ipdialog/filtered_data_test_1000.jsonl 10000 /tmp/train-10k.jsonl
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createRng, type DialogItem, type Rng } from '../../pathways';
import { readDataset } from '../../pathways/node';

const WORD = /\p{L}+/gu;

function vocabulary(items: readonly DialogItem[]): string[] {
  const seen = new Set<string>();
  for (const it of items) for (const w of `${it.request} ${it.GT.analysis}`.match(WORD) ?? []) seen.add(w.toLowerCase());
  return [...seen].sort();
}

/** Each word replaced by a random vocabulary word with probability `rate`. */
function perturb(text: string, vocab: readonly string[], rate: number, rng: Rng): string {
  return text.replace(WORD, (w) => (rng.next() < rate ? vocab[rng.int(vocab.length)] : w));
}

/** `n` items, each a random item of `items` with about a third of its words replaced; indexes 0..n-1. */
export function resampleItems(items: readonly DialogItem[], n: number, seed: number, rate = 0.3): DialogItem[] {
  const rng = createRng(seed);
  const vocab = vocabulary(items);
  return Array.from({ length: n }, (_, k) => {
    const base = items[rng.int(items.length)];
    return {
      ...base,
      index: k,
      history_id: k,
      request: base.task === 'risk_detect' ? base.request : perturb(base.request, vocab, rate, rng),
      GT: { ...base.GT, analysis: perturb(base.GT.analysis, vocab, rate, rng) },
      history: base.history.map((round) => round.map((m) => ({ ...m, content: perturb(m.content, vocab, rate, rng) }))),
    };
  });
}

/** The items plus exact copies of `count` of them (new indexes), placed after their originals' task mates. */
export function withDuplicates(items: readonly DialogItem[], count: number, seed: number): DialogItem[] {
  const rng = createRng(seed);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(rng.int(items.length));
  const next = Math.max(...items.map((it) => it.index)) + 1;
  return [...items, ...[...picked].map((i, k) => ({ ...items[i], index: next + k }))];
}

/**
 * Every item but every `keepEvery`-th gets `key` = `value` (an attribute no rule constrains),
 * in its GT related attributes too where they name it, so items stay consistent.
 */
export function withSkew(items: readonly DialogItem[], key: string, value: string, keepEvery: number): DialogItem[] {
  return items.map((it, i) => {
    if (i % keepEvery === 0) return it;
    const related = key in it.GT.related_attributes ? { ...it.GT.related_attributes, [key]: value } : it.GT.related_attributes;
    return { ...it, user_attr_group: { ...it.user_attr_group, [key]: value }, GT: { ...it.GT, related_attributes: related } };
  });
}

/**
 * Histories rebuilt from a pool of `poolSize` rounds (each item's round r replaced by pool
 * round (i + r) mod poolSize), so the dialogues repeat each other.
 */
export function withRepetitiveHistories(items: readonly DialogItem[], poolSize: number): DialogItem[] {
  const pool = items.slice(0, poolSize).map((it) => it.history[0]);
  return items.map((it, i) => ({ ...it, history: it.history.map((_, r) => pool[(i + r) % poolSize]) }));
}

export function toJsonl(items: readonly DialogItem[]): string {
  return items.map((it) => JSON.stringify(it)).join('\n') + '\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [input, n, out, seed = '1'] = process.argv.slice(2);
  if (!input || !n || !out) throw new Error('usage: data-sets.ts INPUT.jsonl N OUT.jsonl [SEED]');
  const items = (await readDataset(input)).items.map((x) => x.item);
  writeFileSync(out, toJsonl(resampleItems(items, Number(n), Number(seed))));
  process.stderr.write(`wrote ${n} items to ${out}\n`);
}
