// The benchmark's model: the Qwen2.5-0.5B-shaped preset (hidden 896, 14/2 heads, MLP 4864,
// 151,936-row tied embedding, q/k/v biases, Qwen2.5 tokenizer), exported like the hub's fp32
// and q4 files, at 2 layers here. Its graph against the TypeScript reference forward pass; the
// engine against transformers.js on both files; exact-mode tokens whatever the scheduling on
// the five-pathway workload; fast numerics only when asked.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmEngine } from '../../engine';
import { coreSpecOf, createLlmEngine, loadCore, type EngineOptions } from '../../engine/node';
import { verifyScreen } from '../../engine/node-host/screen-setup';
import { resolveModelFolder } from '../../models/node';
import { readTinyWeights, referenceForward, type TinyModelOptions } from '../../models/tiny';
import { PATHWAY_IDS, PATHWAYS, parseDataset, selectPerTask } from '../../pathways';
import { itWithReference, referencePath } from '../helpers/reference';
import { decoderFeeds, ensureTinyModel, leftPadBatch, maxAbsDiffAtTokens } from '../helpers/tiny-model';
import { loadTransformersReference } from '../helpers/transformers-reference';

const { onnx } = onnxProto;
const OPTS: TinyModelOptions = { preset: 'qwen2.5-0.5b', dtypes: ['fp32', 'q4'], numLogitsToKeep: true, architecture: { numLayers: 2 } };
const DATA = 'filtered_data_test_1000.jsonl';
const QWEN_PAD = 151643;

let dir = '';
const engines: LlmEngine[] = [];
beforeAll(async () => {
  dir = await ensureTinyModel(OPTS);
}, 600_000);
afterAll(async () => {
  for (const e of engines) await e.dispose();
});

async function engine(dtype: 'fp32' | 'q4', opts: EngineOptions = {}): Promise<LlmEngine> {
  const e = await createLlmEngine(await resolveModelFolder(dir, { dtype }), { worker: false, threads: 2, ...opts });
  engines.push(e);
  return e;
}

/** The five pathways of the first `perTask` items of the first tasks, as `ipdialog run` submits them. */
function workload(tok: LlmEngine['tokenizer'], items: number): number[][] {
  const data = parseDataset(readFileSync(referencePath(DATA), 'utf8'), DATA);
  return selectPerTask(data.items, 1)
    .slice(0, items)
    .flatMap(({ item }) => PATHWAY_IDS.map((p) => tok.encodeChat([{ role: 'user', content: PATHWAYS.get(p)!.render(item) }])));
}

describe('qwen2.5-0.5b preset', () => {
  it('has the shape of Qwen2.5-0.5B-Instruct and the q4 layout of the hub exports', async () => {
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'qwen2', hidden_size: 896, num_attention_heads: 14, num_key_value_heads: 2, intermediate_size: 4864, vocab_size: 151936, tie_word_embeddings: true, attention_bias: true, rope_theta: 1000000 });
    const nodes = onnx.ModelProto.decode(await readFile(path.join(dir, 'onnx/model_q4.onnx'))).graph!.node!;
    // 7 linear layers per block in 4 bits (block 32, accuracy level unset), the tied head a float MatMul by Transpose(embed).
    const nbits = nodes.filter((n) => n.opType === 'MatMulNBits');
    expect(nbits).toHaveLength(2 * 7);
    for (const n of nbits) {
      const attr = Object.fromEntries(n.attribute!.map((a) => [a.name, Number(a.i)]));
      expect(attr).toMatchObject({ bits: 4, block_size: 32 });
      expect(attr.accuracy_level ?? 0).toBe(0);
    }
    const head = nodes.find((n) => n.output?.includes('logits'))!;
    expect(head.opType).toBe('MatMul');
    expect(nodes.find((n) => n.output?.[0] === head.input![1])?.opType).toBe('Transpose');
  });

  // (q4 files come from the same builder; tests/models/tiny-variants checks them against the reference.)
  it('graph equals the reference forward pass on a padded batch (fp32)', async () => {
    const session = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'));
    const { architecture, weights } = await readTinyWeights(dir, 'fp32');
    const batch = leftPadBatch(
      [
        [151644, 8948, 198, 2610, 525],
        [151644, 872, 198],
      ],
      QWEN_PAD,
    );
    const out = await session.run(decoderFeeds(session, { ...batch, numLogitsToKeep: 0 }));
    const ref = referenceForward(architecture, weights, batch);
    expect(maxAbsDiffAtTokens(out.logits.data as Float32Array, ref.logits, batch.attentionMask, 151936)).toBeLessThan(1e-4);
    await session.release();
  });

  for (const dtype of ['fp32', 'q4'] as const) {
    itWithReference(`engine gives transformers.js greedy tokens on the ${dtype} file`, [DATA], async () => {
      const e = await engine(dtype);
      const prompts = workload(e.tokenizer, 1).slice(0, 2);
      const reference = await loadTransformersReference(dir, dtype);
      try {
        for (const ids of prompts) {
          const expected = await reference.generate(ids, 8);
          const got = await e.generate({ promptTokenIds: ids, sampling: { maxNewTokens: 8 } });
          expect(got.tokenIds).toEqual(expected);
        }
      } finally {
        await reference.dispose();
      }
    });
  }

  itWithReference('exact tokens do not depend on batch composition, arrival order or prefix reuse (five pathways, q4)', [DATA], async () => {
    const configs: Array<{ opts: EngineOptions; reverse?: boolean }> = [
      { opts: { maxBatch: 1, prefixCacheBytes: 0 } },
      { opts: { maxBatch: 16 } },
      { opts: { maxBatch: 3, lengthRatio: 100 }, reverse: true },
    ];
    let expected: number[][] | undefined;
    for (const { opts, reverse } of configs) {
      const e = await engine('q4', opts);
      const prompts = workload(e.tokenizer, 2);
      const order = prompts.map((_, i) => i);
      if (reverse) order.reverse();
      const results = await Promise.all(order.map((i) => e.generate({ requestId: `r${i}`, promptTokenIds: prompts[i], sampling: { maxNewTokens: 5 } })));
      const byIndex: number[][] = [];
      order.forEach((i, j) => (byIndex[i] = results[j].tokenIds));
      const reused = results.reduce((n, r) => n + r.numCachedTokens, 0);
      if (opts.prefixCacheBytes === undefined && opts.maxBatch! > 1) expect(reused).toBeGreaterThan(0);
      if (expected) expect(byIndex).toEqual(expected);
      else expected = byIndex;
    }
  });

  // 127: int8 weights as on CPUs whose integer GEMM sums exactly (VNNI; what this machine
  // probes); 63: as on x86 CPUs without VNNI, whose u8 x s8 GEMM saturates 16-bit pair sums.
  it.each([127, 63] as const)('screens the LM head in int8 (weights within +-%i) within its error bound, and picks the exact argmax (q4)', async (intLevels) => {
    const loaded = await loadCore(coreSpecOf(await resolveModelFolder(dir, { dtype: 'q4' })), { threads: 2, intLevels });
    try {
      const screen = loaded.runner.screen!;
      expect(loaded.notes.join('\n')).toMatch(new RegExp(`LM head screened in int8 \\(weights within \\+-${intLevels}\\)`));
      const prompts = [[151644, 872, 198, 9707, 1879, 11, 419, 374], [151644, 8948, 198, 2610], [151645, 13, 13, 13, 13, 13]];
      const r = await loaded.runner.prefill(prompts, undefined, false);
      const { logits, hidden, quantized } = await loaded.runner.screenStep(prompts);
      const V = screen.vocab;
      const H = screen.hiddenSize;
      for (let i = 0; i < prompts.length; i++) {
        const E = screen.bound(hidden, quantized, i * H);
        let best = 0;
        let bestX = -Infinity;
        let worst = 0;
        for (let v = 0; v < V; v++) {
          const x = screen.exact(hidden, i * H, v);
          worst = Math.max(worst, Math.abs(x - logits[i * V + v]));
          if (x > bestX) {
            bestX = x;
            best = v;
          }
        }
        expect(worst).toBeLessThanOrEqual(E);
        expect(Number(r.nextTokens![i])).toBe(best);
      }
      // The load-time check passes this bound, and its sample catches one that does not hold.
      expect(await verifyScreen(loaded.runner, screen, V)).toBeUndefined();
      const tooTight = Object.create(screen, { bound: { value: (h: Float32Array, q: Float32Array, off: number) => screen.bound(h, q, off) / 100 } });
      expect(await verifyScreen(loaded.runner, tooTight, V)).toMatch(/beyond the bound/);
    } finally {
      await loaded.release();
    }
  });

  it('uses fast numerics only when asked', async () => {
    const exact = await engine('q4');
    expect(exact.info.notes.join('\n')).not.toMatch(/fast numerics/);
    const fast = await engine('q4', { numerics: 'fast' });
    // All 14 four-bit matmuls and the float tied head become integer products.
    expect(fast.info.notes.join('\n')).toMatch(/fast numerics: 15 matmul\(s\) as int8 x int8 integer products/);
    expect(fast.info.notes.join('\n')).not.toMatch(/4-bit matmul\(s\) with int8 compute|as 8-bit weights/);
    expect(fast.info.notes.join('\n')).toMatch(/past and new values multiplied apart/);
    expect(exact.info.notes.join('\n')).not.toMatch(/past and new values multiplied apart/);
    expect(exact.info.notes.join('\n')).toMatch(/the last layer's tail runs on the kept positions only/);
    const ids = exact.tokenizer.encodeChat([{ role: 'user', content: 'Hello there' }]);
    const r = await fast.generate({ promptTokenIds: ids, sampling: { maxNewTokens: 4 } });
    expect(r.tokenIds).toHaveLength(4);
  });

  // Fast mode rounds weights and activations to int8: near-ties of these random weights flip
  // (12 and 14 of 16 agree here), but a fast path that multiplies the wrong numbers (a scale,
  // a layout, a lost offset) agrees with exact mode on next to nothing (1 in 151,936).
  it('fast numerics track exact mode: most next tokens agree, fp32 and q4', async () => {
    for (const dtype of ['fp32', 'q4'] as const) {
      const exact = await engine(dtype);
      const fast = await engine(dtype, { numerics: 'fast' });
      const prompts = Array.from({ length: 16 }, (_, i) => exact.tokenizer.encodeChat([{ role: 'user', content: `Note ${i}: I ${['cook', 'travel', 'read', 'run'][i % 4]} on ${['Mondays', 'weekends', 'holidays', 'trips'][(i >> 2) % 4]}. What should I try next?` }]));
      const next = (e: LlmEngine) => Promise.all(prompts.map((p) => e.generate({ promptTokenIds: p, sampling: { maxNewTokens: 1 } }).then((r) => r.tokenIds[0])));
      const [a, b] = [await next(exact), await next(fast)];
      const agree = a.filter((t, i) => t === b[i]).length;
      expect(agree, `${dtype}: ${agree}/16 next tokens agree`).toBeGreaterThanOrEqual(8);
      // Decode steps too, where fast mode multiplies past and new values apart: a wrong split
      // (a lost new position, the wrong past length) would derail every second token.
      const three = (e: LlmEngine) => Promise.all(prompts.map((p) => e.generate({ promptTokenIds: p, sampling: { maxNewTokens: 3 } }).then((r) => r.tokenIds.join(' '))));
      const [x, y] = [await three(exact), await three(fast)];
      const same = x.filter((t, i) => t === y[i]).length;
      expect(same, `${dtype}: ${same}/16 three-token outputs agree`).toBeGreaterThanOrEqual(6);
    }
  });
});
