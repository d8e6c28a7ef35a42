import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PrefixCache, Request, Scheduler, DEFAULT_SCHEDULER_CONFIG, type SchedulerConfig } from '../../engine';
import { createLlmEngine } from '../../engine/node';
import { loadTokenizer } from '../../models';
import { resolveModelFolder } from '../../models/node';
import { PATHWAYS, parseDataset, selectPerTask } from '../../pathways';
import { itWithReference, referencePath } from '../helpers/reference';
import { ensureTinyModel } from '../helpers/tiny-model';

const SHAPE = { numLayers: 1, kvHeads: 1, headDim: 1, dtype: 'float32' as const };
let arrivals = 0;
const req = (id: string, tokens: number[], maxNewTokens = 4) => new Request({ requestId: id, promptTokenIds: tokens, sampling: { maxNewTokens } }, arrivals++, [0]);
const seq = (n: number, start = 1) => Array.from({ length: n }, (_, i) => start + i);
const scheduler = (over: Partial<SchedulerConfig> = {}, cache?: PrefixCache) => new Scheduler({ ...DEFAULT_SCHEDULER_CONFIG, ...over }, cache);

describe('Scheduler (no model)', () => {
  const ids = (plan: ReturnType<Scheduler['schedule']>) => (plan.kind === 'prefill' ? plan.requests.map((r) => r.requestId) : plan.kind);

  it('admits waiting requests while rows are free (continuous batching) and decodes otherwise', () => {
    const s = scheduler({ maxBatch: 2 });
    for (let i = 0; i < 3; i++) s.add(req(`r${i}`, seq(10, 100 * i)));
    const first = s.schedule();
    expect(ids(first)).toEqual(['r0', 'r1']);
    expect(s.running.map((r) => r.requestId)).toEqual(['r0', 'r1']);
    expect(s.numWaiting).toBe(1);
    expect(s.schedule()).toEqual({ kind: 'decode' });
    // One row left the batch: the queued request joins without waiting for the batch to drain.
    s.finish([s.running[0]], 'finished_stopped');
    expect(ids(s.schedule())).toEqual(['r2']);
    expect(s.running.map((r) => r.requestId)).toEqual(['r1', 'r2']);
    s.finish([...s.running], 'finished_length');
    expect(s.schedule()).toEqual({ kind: 'idle' });
  });

  it('groups prompts of similar length and keeps each group within the token budget', () => {
    const s = scheduler({ maxBatch: 16, maxPrefillTokens: 300, lengthRatio: 1.3 });
    s.add(req('a', seq(100)));
    s.add(req('long', seq(400, 1000)));
    s.add(req('b', seq(110, 2000)));
    s.add(req('c', seq(90, 3000)));
    s.add(req('d', seq(95, 4000)));
    // 'long' is skipped (length), and the third similar prompt would pass 300 padded tokens.
    expect(ids(s.schedule())).toEqual(['a', 'b']);
    expect(ids(s.schedule())).toEqual(['long']);
    expect(ids(s.schedule())).toEqual(['c', 'd']);
    expect(s.numRunning).toBe(5);
  });

  it('keeps the batch within its KV budget (rows x the longest final length); one request always runs', () => {
    const s = scheduler({ maxBatch: 8, maxKvPositions: 100, lengthRatio: 10 });
    // Final lengths 40 (prompt 20 + 20 new): two rows take 80 positions, a third would take 120.
    for (const id of ['a', 'b', 'c']) s.add(req(id, seq(20, id.charCodeAt(0) * 100), 20));
    expect(ids(s.schedule())).toEqual(['a', 'b']);
    expect(s.schedule()).toEqual({ kind: 'decode' });
    s.finish([s.running[0]], 'finished_stopped');
    expect(ids(s.schedule())).toEqual(['c']);
    // A longer request joins only when 2 x its final length fits: 2 x 70 does not, alone it runs.
    s.add(req('long', seq(20, 5000), 50));
    expect(s.schedule()).toEqual({ kind: 'decode' });
    s.finish([...s.running], 'finished_length');
    expect(ids(s.schedule())).toEqual(['long']);
    // Larger than the whole budget: it still runs when nothing else does.
    s.finish([...s.running], 'finished_length');
    s.add(req('huge', seq(20, 6000), 500));
    expect(ids(s.schedule())).toEqual(['huge']);
  });

  it('counts a final length at most the model\'s context', () => {
    const s = scheduler({ maxBatch: 8, maxKvPositions: 100, maxContext: 50, lengthRatio: 10 });
    for (const id of ['a', 'b', 'c']) s.add(req(id, seq(20, id.charCodeAt(0) * 100), 1000));
    expect(ids(s.schedule())).toEqual(['a', 'b']);
  });

  it('finds aborted requests whether waiting or running, and finishing them frees their rows', () => {
    const s = scheduler({ maxBatch: 1 });
    s.add(req('run', seq(10)));
    s.add(req('wait', seq(10, 50)));
    s.schedule();
    const found = s.find(new Set(['run', 'wait', 'unknown']));
    expect(found.map((r) => r.requestId).sort()).toEqual(['run', 'wait']);
    s.finish(found, 'finished_aborted');
    expect(found.every((r) => r.status === 'finished_aborted')).toBe(true);
    expect([s.numRunning, s.numWaiting]).toEqual([0, 0]);
    expect(s.schedule()).toEqual({ kind: 'idle' });
  });

  it('plans from a bounded window of the queue, so its cost does not grow with the number waiting', () => {
    // The only partner of the head sits beyond the window: it is not grouped with the head.
    const s = scheduler({ maxBatch: 8, lookahead: 4, lengthRatio: 1 });
    s.add(req('head', seq(20)));
    for (let i = 0; i < 4; i++) s.add(req(`other${i}`, seq(30 + i, 1000 * (i + 1))));
    s.add(req('partner', seq(20, 9000)));
    expect(ids(s.schedule())).toEqual(['head']);
    // Once the window reaches it, it is planned as usual.
    const w = scheduler({ maxBatch: 8, lookahead: 8, lengthRatio: 1 });
    w.add(req('head', seq(20)));
    for (let i = 0; i < 4; i++) w.add(req(`other${i}`, seq(30 + i, 1000 * (i + 1))));
    w.add(req('partner', seq(20, 9000)));
    expect(ids(w.schedule())).toEqual(['head', 'partner']);
  });

  it('computes a prefix several waiting prompts share once, then prefills them on top of it', () => {
    const cache = new PrefixCache(SHAPE, 1 << 20, 32);
    const s = scheduler({ minSharedPrefix: 64, lengthRatio: 1.3 }, cache);
    const shared = seq(200);
    s.add(req('x', [...shared, ...seq(10, 5000)]));
    s.add(req('y', [...shared, ...seq(9, 6000)]));
    s.add(req('z', seq(50, 9000)));
    const plan = s.schedule();
    expect(plan.kind).toBe('prefix');
    expect(plan.kind === 'prefix' && plan.tokens).toEqual(shared);
    cache.insert(shared, [new Float32Array(200)], [new Float32Array(200)]);
    const next = s.schedule();
    expect(next.kind).toBe('prefill');
    if (next.kind !== 'prefill') return;
    expect(next.prefix?.length).toBe(200);
    expect(next.requests.map((r) => r.requestId)).toEqual(['x', 'y']);
  });

  it('does not share prefixes below the threshold, and never the whole prompt', () => {
    const cache = new PrefixCache(SHAPE, 1 << 20, 32);
    const s = scheduler({ minSharedPrefix: 64 }, cache);
    s.add(req('a', [...seq(40), 1]));
    s.add(req('b', [...seq(40), 2]));
    expect(s.schedule().kind).toBe('prefill');
    cache.insert(seq(10), [new Float32Array(10)], [new Float32Array(10)]);
    expect(cache.match(seq(10))).toBeUndefined(); // a match leaves at least one token to compute
  });

  it('evicts least recently used prefixes within its byte budget', () => {
    const cache = new PrefixCache(SHAPE, 2 * 4 * 100, 8); // room for 100 positions of K and V
    const a = cache.insert(seq(60), [new Float32Array(60)], [new Float32Array(60)]);
    expect(a).toBeDefined();
    cache.insert(seq(60, 500), [new Float32Array(60)], [new Float32Array(60)]);
    expect(cache.size).toBe(1);
    expect(cache.match([...seq(60, 500), 1])?.length).toBe(60);
    expect(cache.insert(seq(200), [new Float32Array(200)], [new Float32Array(200)])).toBeUndefined();
  });
});

const DATA = 'filtered_data_test_1000.jsonl';

describe('engine results do not depend on scheduling', () => {
  itWithReference(
    'same tokens whatever the arrival order, batch limit and prefix reuse',
    [DATA],
    async () => {
      const model = await resolveModelFolder(await ensureTinyModel({ preset: 'test' }));
      const tokenizer = await loadTokenizer(model.dir);
      const items = selectPerTask(parseDataset(readFileSync(referencePath(DATA), 'utf8'), DATA).items, 1).slice(0, 3);
      // Four pathways of one item share their history: prefix reuse has something to reuse.
      const texts = items.flatMap(({ item }) => ['attribute-filter', 'type-guided', 'full-attributes', 'task-related', 'direct-response'].map((p) => PATHWAYS.get(p as never)!.render(item)));
      // A KV budget of two rows of the longest request (prompt + 10 new tokens).
      const longest = Math.max(...texts.map((t) => tokenizer.encodeChat([{ role: 'user', content: t }]).length)) + 10;
      const { numLayers, numKeyValueHeads, headDim } = model.config;
      const twoRows = 2 * longest * 2 * numLayers * numKeyValueHeads * headDim * 4;
      const configs = [
        { maxBatch: 16, prefixCacheBytes: 0 },
        { maxBatch: 16, prefixCacheBytes: 256 << 20 },
        { maxBatch: 3, prefixCacheBytes: 256 << 20 },
        { maxBatch: 1, prefixCacheBytes: 0 },
        { maxBatch: 16, prefixCacheBytes: 256 << 20, kvCacheBytes: twoRows, rowsAtMost: 2 },
      ];
      let baseline: number[][] | undefined;
      for (const [i, cfg] of configs.entries()) {
        const { rowsAtMost, ...options } = cfg;
        const engine = await createLlmEngine(model, { worker: false, threads: 2, ...options });
        try {
          const prompts = texts.map((t) => engine.tokenizer.encodeChat([{ role: 'user', content: t }]));
          const order = prompts.map((_, j) => j);
          if (i % 2 === 1) order.reverse();
          const results: number[][] = [];
          await Promise.all(
            order.map(async (j) => {
              results[j] = (await engine.generate({ promptTokenIds: prompts[j], sampling: { maxNewTokens: 10 } })).tokenIds;
            }),
          );
          const stats = await engine.stats();
          if (cfg.prefixCacheBytes > 0) expect(stats.numCachedPromptTokens, `config ${i}`).toBeGreaterThan(1000);
          else expect(stats.numCachedPromptTokens).toBe(0);
          expect(stats.maxBatchSize).toBeLessThanOrEqual(rowsAtMost ?? cfg.maxBatch);
          if (i === 0) expect(stats.maxBatchSize).toBeGreaterThan(2);
          if (baseline) expect(results, `config ${i}`).toEqual(baseline);
          else baseline = results;
        } finally {
          await engine.dispose();
        }
      }
    },
    600_000,
  );
});
