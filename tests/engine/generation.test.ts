import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmEngine } from '../../engine';
import { createLlmEngine } from '../../engine/node';
import { resolveModelFolder, type ResolvedModel } from '../../models/node';
import { greedyWithoutCache } from '../helpers/recompute-reference';
import { ensureTinyModel } from '../helpers/tiny-model';
import { loadTransformersReference, type ReferenceModel } from '../helpers/transformers-reference';

// Prompts of several lengths (1 to ~120 tokens once tokenized).
const PROMPTS = [
  'Hi',
  'The capital of France is',
  'You are a helpful agent for the task: recommend. The task requires the agent to recommend products for user.',
  'User: I spent the weekend fixing the tractor before the harvest, the nearest town is an hour away.\nAI: That sounds like a lot of work! Is the harvest going well?\n'.repeat(3),
  'a b c d e f g h i j k l m n o p q r s t u v w x y z',
  '{"json": [1, 2, 3], "nested": {"key": "value"}}',
];
const MAX_NEW = 24;

let model: ResolvedModel;
let engine: LlmEngine;
let reference: ReferenceModel;

beforeAll(async () => {
  model = await resolveModelFolder(await ensureTinyModel({ preset: 'test' }));
  engine = await createLlmEngine(model, { worker: false, threads: 2, maxBatch: 8, lengthRatio: 100 });
  reference = await loadTransformersReference(model.dir);
});

afterAll(async () => {
  await engine?.dispose();
  await reference?.dispose();
});

const greedy = (ids: readonly number[], n = MAX_NEW, requestId?: string) => engine.generate({ requestId, promptTokenIds: ids, sampling: { maxNewTokens: n } });

describe('engine on the tiny test model', () => {
  for (const mode of ['raw', 'chat'] as const) {
    it(`matches transformers.js generate token for token (${mode} prompts, one at a time)`, async () => {
      const tok = engine.tokenizer;
      for (const p of PROMPTS) {
        const ids = mode === 'raw' ? tok.encode(p) : tok.encodeChat([{ role: 'user', content: p }]);
        const expected = await reference.generate(ids, MAX_NEW);
        const got = await greedy(ids);
        expect(got.tokenIds, `prompt ${JSON.stringify(p.slice(0, 40))}`).toEqual(expected);
      }
    });
  }

  it('gives each request of a padded batch the same tokens as alone', async () => {
    const prompts = PROMPTS.map((p) => engine.tokenizer.encode(p));
    const alone: number[][] = [];
    for (const ids of prompts) alone.push((await greedy(ids)).tokenIds);
    const stats0 = await engine.stats();
    const together = await Promise.all(prompts.map((ids) => greedy(ids)));
    const stats1 = await engine.stats();
    expect(together.map((r) => r.tokenIds)).toEqual(alone);
    // All six were prefilled as one padded group and decoded as one batch.
    expect(stats1.maxBatchSize).toBeGreaterThanOrEqual(6);
    expect(stats1.numSteps - stats0.numSteps).toBeLessThan(MAX_NEW + 3);
  });

  it('gives the KV-cached greedy tokens of a full recomputation', async () => {
    for (const p of [PROMPTS[1], PROMPTS[3]]) {
      const ids = engine.tokenizer.encode(p);
      const expected = await greedyWithoutCache(model.onnxPath, ids, 16, model.config.eosTokenIds);
      expect((await greedy(ids, 16)).tokenIds).toEqual(expected);
    }
  });

  it('reports token ids, finish reasons and text', async () => {
    const ids = engine.tokenizer.encode(PROMPTS[2]);
    const r = await greedy(ids, 5);
    expect(r.tokenIds).toHaveLength(5);
    expect(r.finishReason).toBe('length');
    expect(r.numPromptTokens).toBe(ids.length);
    expect(r.text).toBe(engine.tokenizer.decode(r.tokenIds, { skipSpecialTokens: true }));
  });

  it('stops on an EOS id and on a stop string', async () => {
    const ids = engine.tokenizer.encode(PROMPTS[1]);
    const free = await greedy(ids, 12);
    // Declaring the 4th generated token a stop id ends generation right there, id included.
    const stopId = free.tokenIds[3];
    const first = free.tokenIds.indexOf(stopId);
    const r = await engine.generate({ promptTokenIds: ids, sampling: { maxNewTokens: 12, stopTokenIds: [stopId] } });
    expect(r.finishReason).toBe('stop');
    expect(r.tokenIds).toEqual(free.tokenIds.slice(0, first + 1));
    // A stop string cut from the free-running text ends the text before it.
    const stop = free.text.slice(Math.floor(free.text.length / 2), Math.floor(free.text.length / 2) + 3);
    const s = await engine.generate({ promptTokenIds: ids, sampling: { maxNewTokens: 12 }, stopStrings: [stop] });
    expect(s.finishReason).toBe('stop');
    expect(s.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
  });

  it('streams text pieces that add up to the final text', async () => {
    const pieces: string[] = [];
    const r = await engine.generate({ promptTokenIds: engine.tokenizer.encode(PROMPTS[0]), sampling: { maxNewTokens: 10 }, onText: (d) => pieces.push(d) });
    expect(pieces.join('')).toBe(r.text);
    expect(pieces.length).toBeGreaterThan(1);
  });

  it('samples reproducibly for a seed, whatever shares the batch', async () => {
    const ids = engine.tokenizer.encode(PROMPTS[2]);
    const sampling = { maxNewTokens: 10, temperature: 1.2, topP: 0.95, topK: 50, seed: 7 };
    const a = await engine.generate({ promptTokenIds: ids, sampling });
    const [b] = await Promise.all([engine.generate({ promptTokenIds: ids, sampling }), greedy(engine.tokenizer.encode(PROMPTS[4]), 10)]);
    const c = await engine.generate({ promptTokenIds: ids, sampling: { ...sampling, seed: 8 } });
    expect(b.tokenIds).toEqual(a.tokenIds);
    expect(c.tokenIds).not.toEqual(a.tokenIds);
    expect(a.tokenIds).not.toEqual((await greedy(ids, 10)).tokenIds);
  });

  it('rejects bad requests with a named error and keeps serving', async () => {
    const bad = await engine.generate({ promptTokenIds: [10 ** 9], sampling: { maxNewTokens: 3 } });
    expect(bad.finishReason).toBe('error');
    expect(bad.error?.message).toMatch(/outside the vocabulary/);
    const empty = await engine.generate({ promptTokenIds: [], sampling: { maxNewTokens: 3 } });
    expect(empty.error?.message).toMatch(/empty prompt/);
    expect((await greedy(engine.tokenizer.encode('ok'), 3)).tokenIds).toHaveLength(3);
  });
});
