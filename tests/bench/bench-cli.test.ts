// `ipdialog bench` on the CPU: the tiny `test` preset on the benchmark's whole default workload
// (50 requests), the `bench` preset on one item's five pathways, and a reference whose copy of
// the model was perturbed on purpose (IPDIALOG_BENCH_PERTURB_REFERENCE), which must be reported
// as differing, with the right first differing position, and fail the exit code.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchReport, type BenchReport } from '../../bench/perf/verify';
import { loadTokenizer } from '../../models';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { cudaProviderInstalled } from '../helpers/cuda';
import { referencePath } from '../helpers/reference';
import { ensureTinyModel } from '../helpers/tiny-model';
import { loadTransformersReference } from '../helpers/transformers-reference';

const DATA = referencePath('filtered_data_test_1000.jsonl');
const describeData = existsSync(DATA) || process.env.CI === 'true' ? describe : describe.skip;
/** A version as the package's own package.json states it. */
const version = (dir: string) => (JSON.parse(readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8')) as { version: string }).version;

// Hub exports carry num_logits_to_keep (transformers.js then computes the last position's
// logits only), so the test models do too.
let testModel: string;
let tmp: string;

function bench(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out = path.join(tmp, `report-${Math.random().toString(36).slice(2)}.json`);
  const r = runCli(['bench', '--data', DATA, '--threads', '2', '--out', out, ...args], { env, timeout: 900_000 });
  return { ...r, report: existsSync(out) ? parseBenchReport(readFileSync(out, 'utf8'), out) : undefined };
}

/** The benchmark prompts as `ipdialog prompts` renders them, keyed by task and pathway (one item per task). */
function renderedPrompts(): Map<string, string> {
  const r = runCli(['prompts', '--pathway', 'all', '--per-task', '1', '--data', DATA]);
  expect(r.status, r.stderr).toBe(0);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { task: string; pathway: string; prompt: string });
  return new Map(rows.map((p) => [`${p.task}/${p.pathway}`, p.prompt]));
}

beforeAll(async () => {
  if (!existsSync(DATA)) throw new Error(`reference data missing in CI: ${DATA}`);
  testModel = await ensureTinyModel({ preset: 'test', numLogitsToKeep: true });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ipd-bench-cli-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describeData('ipdialog bench (CPU)', () => {
  let exact: BenchReport;

  it('test preset, the whole default workload: identical greedy tokens, every pathway and task, the machine named', async () => {
    const r = bench(['--model', testModel, '--max-new-tokens', '8']);
    expect(r.status, r.stderr).toBe(0);
    exact = r.report!;
    // 10 tasks x 1 item x 5 pathways.
    expect(exact.workload).toMatchObject({ requests: 50, items: 10 });
    expect(exact.workload.pathways.sort()).toEqual(['attribute-filter', 'direct-response', 'full-attributes', 'task-related', 'type-guided']);
    expect(exact.agreement).toMatchObject({ total: 50, identical: 50, allIdentical: true, meanFirstDiff: null });

    // The prompts are the benchmark's own (rendered by `ipdialog prompts`, tokenized with the chat template)...
    const tokenizer = await loadTokenizer(testModel);
    const prompts = renderedPrompts();
    expect(prompts.size).toBe(50);
    for (const q of exact.agreement.requests) {
      const text = prompts.get(`${q.task}/${q.pathway}`);
      expect(text, q.id).toBeDefined();
      expect(q.promptTokens, q.id).toBe(tokenizer.encodeChat([{ role: 'user', content: text! }]).length);
      expect(q.maxNewTokens).toBe(8);
      expect(q.tokens.ours).toEqual(q.tokens.reference);
      expect(q).toMatchObject({ identical: true, firstDiff: null });
    }
    expect(exact.ours.promptTokens).toBe(exact.agreement.requests.reduce((n, q) => n + q.promptTokens, 0));
    // ...and the tokens are greedy ones: transformers.js alone, one request at a time, agrees.
    const ref = await loadTransformersReference(testModel);
    try {
      for (const q of [exact.agreement.requests[0], exact.agreement.requests[23], exact.agreement.requests[49]]) {
        const ids = tokenizer.encodeChat([{ role: 'user', content: prompts.get(`${q.task}/${q.pathway}`)! }]);
        expect(q.tokens.ours, q.id).toEqual(await ref.generate(ids, 8));
      }
    } finally {
      await ref.dispose();
    }

    // Four pathways share the item's history as a prompt prefix: the engine reuses it, the reference cannot.
    expect(exact.ours.reusedPromptTokens).toBeGreaterThan(0);
    expect(exact.reference.reusedPromptTokens).toBe(0);
    // 50 requests x 8 tokens; the decode phase runs 7 steps per request.
    expect(exact.ours.generatedTokens).toBe(400);
    expect(exact.ours.decodeTokens).toBe(350);
    for (const side of [exact.ours, exact.reference]) {
      expect(side.device).toBe('cpu');
      expect(side.wallS).toBeGreaterThan(side.generateS);
      expect(side.peakRssMb).toBeGreaterThan(50);
    }
    // Batch-1 decode against the bandwidth measured here.
    expect(exact.batch1.tokens).toBe(8);
    const bound = exact.batch1.bound!;
    expect(bound.source).toBe('measured');
    expect(bound.tokensPerS).toBeCloseTo((bound.gbPerS * 1e9) / exact.model.weightBytesPerToken, 6);
    expect(bound.ratio).toBeCloseTo(exact.batch1.decodeTokensPerS / bound.tokensPerS, 6);
    // The test preset's matrices: 2 layers of q/k/v/o (64x64, 64x32, 64x32, 64x64) and MLP (3 x 64x192), and the
    // 64 x 128256 LM head, fp32.
    expect(exact.model.weightBytesPerToken).toBe(4 * (2 * (64 * 64 * 2 + 64 * 32 * 2 + 3 * 64 * 192) + 64 * 128256));

    expect(exact.device).toEqual({ requested: 'cpu', used: 'cpu' });
    expect(exact.machine.cores).toBe(os.availableParallelism());
    expect(exact.machine.cpu).toBe(os.cpus()[0].model);
    expect(exact.machine.packages).toEqual({
      'ip-dialog': version('.'),
      'onnxruntime-node': version('node_modules/onnxruntime-node'),
      '@huggingface/transformers': version('node_modules/@huggingface/transformers'),
    });
    expect(exact.referencePerturbed).toBeNull();

    // The table says the same.
    expect(r.stdout).toMatch(/^identical greedy tokens +50\/50 requests +identical for every request$/m);
    expect(r.stdout).toContain(`machine: ${os.cpus()[0].model}, ${os.availableParallelism()} cores`);
    expect(r.stdout).toMatch(/^batch-1 decode, tokens\/s .*% of the bound .* measured\)$/m);
  }, 900_000);

  it('a perturbed reference: the first differing position per request, no claim of identity, exit code 1', () => {
    // Two items' five pathways (10 requests), 16 tokens each: enough for drift to show.
    const r = bench(['--model', testModel, '--requests', '10', '--max-new-tokens', '16', '--markdown'], { IPDIALOG_BENCH_PERTURB_REFERENCE: '1' });
    expect(r.status, r.stderr).toBe(1);
    const p = r.report!;
    expect(p.referencePerturbed).toBe('model.norm.weight');
    expect(p.agreement.allIdentical).toBe(false);
    const differing = p.agreement.requests.filter((q) => !q.identical);
    expect(differing.length).toBe(p.agreement.total - p.agreement.identical);
    expect(differing.length).toBeGreaterThan(0);
    // Each reported position, checked against the two token lists themselves.
    for (const q of p.agreement.requests) {
      const { ours, reference } = q.tokens;
      if (q.identical) {
        expect(ours, q.id).toEqual(reference);
        continue;
      }
      const at = q.firstDiff!;
      expect(ours.slice(0, at), q.id).toEqual(reference.slice(0, at));
      expect(ours[at], q.id).not.toBe(reference[at]);
    }
    // Some drift starts after the first token: a position, not just a yes/no.
    expect(differing.some((q) => q.firstDiff! > 0)).toBe(true);
    const meanFirstDiff = differing.reduce((n, q) => n + q.firstDiff!, 0) / differing.length;
    expect(p.agreement.meanFirstDiff).toBeCloseTo(meanFirstDiff, 9);
    // Only the reference changed: our engine's tokens are the unperturbed run's (up to that run's 8 tokens).
    for (const q of p.agreement.requests) expect(q.tokens.ours.slice(0, 8), q.id).toEqual(exact.agreement.requests.find((e) => e.id === q.id)!.tokens.ours);

    // Markdown: the pipe table names the count and the first differing requests, and the switch.
    const first = differing[0];
    expect(r.stdout).toContain(`| identical greedy tokens | ${p.agreement.identical}/10 requests |  | first differing position: ${first.id} at ${first.firstDiff}`);
    expect(r.stdout).toMatch(/^- WARNING: IPDIALOG_BENCH_PERTURB_REFERENCE is set/m);
    expect(r.stderr).toContain(`greedy tokens differ from transformers.js for ${differing.length} of 10 requests in exact mode`);
  }, 900_000);

  it('bench preset, one item\'s five pathways: identical greedy tokens', async () => {
    const model = await ensureTinyModel({ preset: 'bench', numLogitsToKeep: true });
    const r = bench(['--model', model, '--requests', '5', '--max-new-tokens', '4']);
    expect(r.status, r.stderr).toBe(0);
    const b = r.report!;
    expect(b.workload.requests).toBe(5);
    expect(b.workload.items).toBe(1);
    expect(b.agreement).toMatchObject({ total: 5, identical: 5, allIdentical: true });
    for (const q of b.agreement.requests) expect(q.tokens.ours).toHaveLength(4);
    expect(b.ours.reusedPromptTokens).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/^identical greedy tokens +5\/5 requests +identical for every request$/m);
  }, 900_000);

  it('several --ref-batch sizes: each one tried, ours compared with the fastest complete one', () => {
    const r = bench(['--model', testModel, '--requests', '10', '--max-new-tokens', '8', '--ref-batch', '1,5']);
    expect(r.status, r.stderr).toBe(0);
    const b = r.report!;
    expect(b.settings.refBatch).toEqual([1, 5]);
    expect(b.reference.sweep.map((s) => s.batchSize)).toEqual([1, 5]);
    // The first size has nothing to be compared with: it always completes.
    expect(b.reference.sweep[0].wallS).toBeGreaterThan(0);
    const complete = b.reference.sweep.filter((s) => s.wallS !== null);
    const fastest = complete.reduce((x, y) => (y.wallS! < x.wallS! ? y : x));
    expect(b.reference.batchSize).toBe(fastest.batchSize);
    expect(b.reference.wallS).toBeCloseTo(fastest.wallS!, 9);
    for (const s of b.reference.sweep.filter((x) => x.wallS === null)) expect(s.stopReason).toMatch(/slower than the best|past the best pace/);
    expect(b.agreement).toMatchObject({ total: 10, identical: 10, allIdentical: true });
    expect(r.stdout).toMatch(new RegExp(`^transformers\\.js batch sizes \\(whole process\\): 1: .*; compared: the fastest, ${fastest.batchSize}$`, 'm'));
  }, 900_000);

  it('--device auto says what it chose and why', () => {
    const r = bench(['--model', testModel, '--device', 'auto', '--requests', '1', '--max-new-tokens', '2']);
    expect(r.status, r.stderr).toBe(0);
    if (cudaProviderInstalled()) expect(r.report!.device.used).toBe('cuda');
    else {
      expect(r.report!.device).toMatchObject({ requested: 'auto', used: 'cpu' });
      expect(r.report!.device.note).toMatch(/^auto: the CUDA provider cannot be used \(.+\), so the CPU$/);
      expect(r.stdout).toMatch(/^device: cpu .*auto: the CUDA provider cannot be used/m);
    }
  }, 300_000);

  it.skipIf(cudaProviderInstalled())('--device cuda without the CUDA provider: a clear error before any measuring', () => {
    const r = bench(['--model', testModel, '--device', 'cuda']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error DEVICE_UNAVAILABLE: --device cuda: onnxruntime-node cannot run on the cuda provider here: /);
    expect(r.stderr).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node');
    expect(r.report).toBeUndefined();
  }, 120_000);

  it('rejects bad flags with a usage error', () => {
    for (const [args, message] of [
      [['--per-task', '0'], '--per-task must be a positive integer (got "0")'],
      [['--bandwidth-gbs', '-3'], '--bandwidth-gbs must be a positive number of GB/s (got "-3")'],
      [['--requests', 'x'], '--requests must be a positive integer (got "x")'],
      [['--ref-batch', '8,0'], '--ref-batch must be a positive integer (got "0")'],
    ] as const) {
      const r = runCli(['bench', '--model', testModel, ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const device = runCli(['bench', '--model', testModel, '--device', 'tpu']);
    expect(device.status).not.toBe(0);
    expect(device.stderr).toMatch(/--device.*'tpu' is invalid/);
  });
});

describe('ipdialog models', () => {
  it('points at ipdialog bench as the way to verify each model locally', () => {
    const table = runCli(['models'], { env: { IPDIALOG_CACHE: path.join(os.tmpdir(), 'ipd-bench-models-cache') } });
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/ verified +verify locally$/);
    expect(table.stdout).toContain('    verify locally: ipdialog bench --model onnx-community/Qwen2.5-0.5B-Instruct --dtype q4\n');
    const rows = JSON.parse(runCli(['models', '--json']).stdout) as Array<{ id: string; kind: string; dtype: string; verifyLocally: string }>;
    for (const row of rows.filter((x) => x.kind === 'hub')) expect(row.verifyLocally).toBe(`ipdialog bench --model ${row.id} --dtype ${row.dtype}`);
    expect(rows.find((x) => x.id === 'tiny-model --preset test')?.verifyLocally).toBe('ipdialog tiny-model --preset test --out DIR && ipdialog bench --model DIR');
  });
});
