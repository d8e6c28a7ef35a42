import { afterAll, describe, expect, it } from 'vitest';
import type { LlmEngine } from '../../engine';
import { createLlmEngine, type EngineOptions } from '../../engine/node';
import { resolveModelFolder } from '../../models/node';
import type { TinyModelOptions } from '../../models/tiny';
import { ensureTinyModel } from '../helpers/tiny-model';
import { loadTransformersReference } from '../helpers/transformers-reference';

interface Variant {
  name: string;
  opts: TinyModelOptions;
  dtype: 'fp32' | 'fp16' | 'q4' | 'q4f16';
  /** transformers.js gets left-padded GroupQueryAttention batches wrong, so only its single runs count. */
  gqa?: boolean;
  /** What the engine's load notes must say (the rewrite did its part). */
  notes?: RegExp;
  engine?: EngineOptions;
}

const VARIANTS: Variant[] = [
  { name: 'fp16 weights and KV', opts: { dtypes: ['fp16'] }, dtype: 'fp16' },
  { name: 'q4 (MatMulNBits)', opts: { dtypes: ['q4'] }, dtype: 'q4' },
  { name: 'q4f16', opts: { dtypes: ['q4f16'] }, dtype: 'q4f16' },
  { name: 'external data', opts: { externalData: true }, dtype: 'fp32' },
  { name: 'no position_ids', opts: { positionIds: false }, dtype: 'fp32' },
  { name: 'num_logits_to_keep input', opts: { numLogitsToKeep: true }, dtype: 'fp32' },
  { name: 'GroupQueryAttention', opts: { attention: 'gqa' }, dtype: 'fp32', gqa: true },
  { name: 'GroupQueryAttention without position_ids', opts: { attention: 'gqa', positionIds: false }, dtype: 'fp32', gqa: true },
  { name: 'qwen2 tokenizer, several EOS ids', opts: { family: 'qwen2' }, dtype: 'fp32' },
  // Optimum's tied LM head (MatMul by Transpose(embed)): screened in int8 with exact rescoring
  // (the default on the CPU), or, unscreened, the rewrite stores the transpose once.
  { name: 'tied embeddings', opts: { architecture: { tieWordEmbeddings: true } }, dtype: 'fp32', notes: /LM head screened in int8/ },
  { name: 'tied embeddings, head not screened', opts: { architecture: { tieWordEmbeddings: true } }, dtype: 'fp32', notes: /1 weight\(s\) stored transposed/, engine: { screenHead: false } },
  { name: 'tied embeddings in fp16', opts: { architecture: { tieWordEmbeddings: true }, dtypes: ['fp16'] }, dtype: 'fp16', notes: /1 weight\(s\) stored transposed/ },
];

const PROMPTS = ['Hi', 'The capital of France is', 'User: I fixed the tractor before the harvest.\nAI: Is the harvest going well?\nUser: Rain is coming, we need to hurry.'];
const MAX_NEW = 12;

const engines: LlmEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.dispose();
});

describe.each(VARIANTS)('variant: $name', ({ opts, dtype, notes, engine: engineOptions }) => {
  it('gives transformers.js greedy tokens alone and in a padded batch', async () => {
    const dir = await ensureTinyModel({ preset: 'test', ...opts });
    const model = await resolveModelFolder(dir, { dtype });
    const engine = await createLlmEngine(model, { worker: false, threads: 2, lengthRatio: 100, ...engineOptions });
    engines.push(engine);
    const reference = await loadTransformersReference(dir, dtype);
    try {
      const tok = engine.tokenizer;
      const prompts = [
        ...PROMPTS.map((p) => tok.encode(p)),
        tok.encodeChat([
          { role: 'system', content: 'You are a terse assistant.' },
          { role: 'user', content: PROMPTS[2] },
        ]),
      ];
      const expected: number[][] = [];
      for (const ids of prompts) expected.push(await reference.generate(ids, MAX_NEW));
      for (let i = 0; i < prompts.length; i++) {
        expect((await engine.generate({ promptTokenIds: prompts[i], sampling: { maxNewTokens: MAX_NEW } })).tokenIds, `alone ${i}`).toEqual(expected[i]);
      }
      const batch = await Promise.all(prompts.map((ids) => engine.generate({ promptTokenIds: ids, sampling: { maxNewTokens: MAX_NEW } })));
      expect(batch.map((r) => r.tokenIds)).toEqual(expected);
      expect(engine.info.lean).toBe(true);
      if (notes) expect(engine.info.notes.join('\n')).toMatch(notes);
    } finally {
      await reference.dispose();
    }
  });
});
