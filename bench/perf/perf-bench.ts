// `npm run bench:perf`: the engine against transformers.js generate() on the benchmark's own
// workload (all five pathways of K items per task, chat template, output limits from the
// reference answers), on the Qwen2.5-0.5B-shaped model exported like the hub's fp32 and q4
// files. Each side runs in its own process with the same environment and threads; the
// reference gets its best static batch size from a sweep; medians of alternating runs.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cacheDir } from '../../common/node';
import { NODE_MAX_BATCH } from '../../engine/node';
// @ts-expect-error plain JavaScript module without types (it runs before anything is built)
import { buildCli } from '../../bin/cli-build.mjs';
import { loadTokenizer, onnxFileName, type Dtype } from '../../models';
import { createTinyModel, type TinyDtype, type TinyModelOptions } from '../../models/tiny';
import {
  buildWorkload,
  compareTokens,
  lineChartSvg,
  measureReadBandwidth,
  measureScheduleCost,
  scoreOutputs,
  spawnMeasured,
  sweepBatchSizes,
  weightBytesPerToken,
  type ImplResult,
  type MeasureOptions,
  type MeasuredConfig,
  type MetricMeans,
  type SweepRow,
  type TokenAgreement,
  type WorkloadRequest,
} from './harness';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    layers: { type: 'string', default: '4' },
    'per-task': { type: 'string', default: '1' },
    dtypes: { type: 'string', default: 'fp32,q4' },
    sweep: { type: 'string', default: '16,32,8,4,1' },
    scaling: { type: 'string', default: '1,2,4' },
    'scaling-dtype': { type: 'string', default: 'q4' },
    'max-batch': { type: 'string' },
    'bench-preset': { type: 'boolean', default: true },
    data: { type: 'string', default: path.resolve(HERE, '../../../shared/ipdialog/filtered_data_test_1000.jsonl') },
    out: { type: 'string' },
    plot: { type: 'string' },
  },
  allowNegative: true,
});

const threads = Number(args.threads);
/** Ours: the engine's own default unless asked (what `ipdialog run` uses). */
const maxBatch = args['max-batch'] ? Number(args['max-batch']) : undefined;
const runs = Number(args.runs);
const K = Number(args['per-task']);
const dtypes = args.dtypes!.split(',') as Array<Dtype & TinyDtype>;
const sweep = args.sweep!.split(',').map(Number);
const scaling = args.scaling!.split(',').map(Number);
const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function model(name: string, opts: TinyModelOptions): Promise<string> {
  const dir = cacheDir('models', name);
  const wanted = (opts.dtypes ?? ['fp32']).map((d) => path.join(dir, onnxFileName(d)));
  if (!wanted.every((f) => existsSync(f))) {
    log(`generating ${name} into ${dir}`);
    await createTinyModel({ ...opts, out: dir });
  }
  return dir;
}

interface Side {
  label: string;
  cfg: Omit<MeasuredConfig, 'outFile' | 'workloadFile'>;
}

interface SideRuns {
  label: string;
  runs: Array<{ wallMs: number; result: ImplResult }>;
}

function workloadFile(modelDir: string, requests: WorkloadRequest[]): string {
  const config = JSON.parse(readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ipd-perf-')), 'workload.json');
  writeFileSync(file, JSON.stringify({ requests, eos: [config.eos_token_id].flat() }));
  return file;
}

async function measure(side: Side, file: string, stopIf?: MeasureOptions['stopIf']) {
  const r = await spawnMeasured<ImplResult>({ ...side.cfg, workloadFile: file }, { stopIf });
  if (r.stopped) log(`  ${side.label}: stopped after ${(r.wallMs / 1000).toFixed(0)} s (${r.stopReason})`);
  else log(`  ${side.label}: ${(r.wallMs / 1000).toFixed(1)} s wall, ${(r.result.generateMs / 1000).toFixed(1)} s generating, peak RSS ${r.result.maxRssMb.toFixed(0)} MB`);
  return r;
}

function summary(s: SideRuns) {
  const rs = s.runs;
  const m = (f: (r: { wallMs: number; result: ImplResult }) => number) => median(rs.map(f));
  return {
    label: s.label,
    runs: rs.length,
    wallS: m((r) => r.wallMs / 1000),
    generateS: m((r) => r.result.generateMs / 1000),
    loadS: m((r) => r.result.loadMs / 1000),
    promptTokPerS: m((r) => r.result.promptTokens / (r.result.prefillMs / 1000)),
    decodeTokPerS: m((r) => r.result.decodeTokens / (r.result.decodeMs / 1000)),
    generatedTokPerS: m((r) => r.result.generatedTokens / (r.result.generateMs / 1000)),
    promptTokens: rs[0].result.promptTokens,
    cachedPromptTokens: rs[0].result.cachedPromptTokens,
    generatedTokens: rs[0].result.generatedTokens,
    peakRssMb: m((r) => r.result.maxRssMb),
  };
}
type Summary = ReturnType<typeof summary>;

interface DtypeReport {
  dtype: Dtype;
  weightBytesPerToken: number;
  sweep: SweepRow[];
  bestBatch: number;
  ref: Summary;
  exact: Summary;
  fast: Summary;
  exactVsRef: TokenAgreement & { everyRun: number };
  fastVsExact: TokenAgreement & { metrics: { exact: MetricMeans; fast: MetricMeans } };
  /** Batch-1 decode of each mode against its bound: the measured streaming rate over the bytes of weights its graph reads per token. */
  batch1: Record<'exact' | 'fast', { tokPerS: number; bytesPerToken: number; boundTokPerS: number }>;
}

const tStart = performance.now();
const layers = Number(args.layers);
const qwenDir = await model(`bench-qwen2.5-0.5b-l${layers}-s0`, { preset: 'qwen2.5-0.5b', architecture: { numLayers: layers }, dtypes, numLogitsToKeep: true });
const tokenizer = await loadTokenizer(qwenDir);
const workloads = new Map<number, WorkloadRequest[]>();
for (const k of new Set([K, ...scaling])) workloads.set(k, buildWorkload(args.data!, tokenizer, k));
const main = workloads.get(K)!;
const mainFile = workloadFile(qwenDir, main);
log(`workload: ${main.length} requests (${K} item(s) per task x 5 pathways), ${main.reduce((n, r) => n + r.promptIds.length, 0)} prompt tokens, ${main.reduce((n, r) => n + r.maxNewTokens, 0)} new tokens (limits ${Math.min(...main.map((r) => r.maxNewTokens))}-${Math.max(...main.map((r) => r.maxNewTokens))})`);

// Both sides' processes start through the prebuilt CLI, as after `npm run build`.
await buildCli();
log('CLI prebuilt (npm run build): both sides start their processes through it');

const common = { modelDir: qwenDir, device: 'cpu' as const, threads };
const ours = (dtype: Dtype, numerics: 'exact' | 'fast'): Side => ({ label: `ours ${numerics}`, cfg: { ...common, impl: 'ours', dtype, numerics, maxBatch } });
const ref = (dtype: Dtype, batchSize: number): Side => ({ label: `transformers.js batch ${batchSize}`, cfg: { ...common, impl: 'transformers.js', dtype, batchSize } });

// The first load of a graph rewrites it once (cached afterwards): not timed.
for (const dtype of dtypes) for (const numerics of ['exact', 'fast'] as const) await spawnMeasured({ ...ours(dtype, numerics).cfg, workloadFile: mainFile, mode: 'batch1' });
const bandwidth = await measureReadBandwidth(threads);
log(`1-row MatMul weight-streaming rate: ${(bandwidth / 1e9).toFixed(1)} GB/s`);

const reports: DtypeReport[] = [];
for (const dtype of dtypes) {
  log(`${dtype}: transformers.js batch-size sweep`);
  // A size past the best so far, or well behind it on the same requests, stops there (the
  // sweep's order puts the likely best first).
  const { best, rows: sweepRows } = await sweepBatchSizes(sweep, main.length, (bs, stopIf) => measure(ref(dtype, bs), mainFile, stopIf));
  const bestBatch = best.batchSize;
  // The sweep's run at the best batch size is the reference's first run.
  const sides: Record<'ref' | 'exact' | 'fast', SideRuns> = {
    ref: { label: `transformers.js generate(), batch ${bestBatch}`, runs: [best.run] },
    exact: { label: 'ip-dialog engine, exact', runs: [] },
    fast: { label: 'ip-dialog engine, --numerics fast', runs: [] },
  };
  const batch1 = { exact: [] as number[], fast: [] as number[] };
  const batch1Bytes = { exact: 0, fast: 0 };
  for (let i = 0; i < runs; i++) {
    log(`${dtype}: run ${i + 1}/${runs}`);
    const order: Array<'ref' | 'exact' | 'fast'> = [['exact', 'fast', 'ref'], ['ref', 'exact', 'fast'], ['fast', 'ref', 'exact']][i % 3] as never;
    for (const which of order) {
      if (which === 'ref' && i === 0) continue;
      const side = which === 'ref' ? ref(dtype, bestBatch) : ours(dtype, which);
      const r = await measure(side, mainFile);
      if (!r.stopped) sides[which].runs.push(r);
    }
    for (const numerics of ['exact', 'fast'] as const) {
      const r = await spawnMeasured<{ decodeTokPerS: number; bytesPerToken: number }>({ ...ours(dtype, numerics).cfg, workloadFile: mainFile, mode: 'batch1' });
      if (!r.stopped) {
        batch1[numerics].push(r.result.decodeTokPerS);
        batch1Bytes[numerics] = r.result.bytesPerToken;
      }
    }
  }
  const refOut = sides.ref.runs[0].result.outputs;
  const exactAgreement = compareTokens(main, sides.exact.runs[0].result.outputs, refOut);
  const everyRun = main.filter((r) => sides.exact.runs.every((x) => JSON.stringify(x.result.outputs[r.id]) === JSON.stringify(refOut[r.id]))).length;
  const exactOut = sides.exact.runs[0].result.outputs;
  const fastOut = sides.fast.runs[0].result.outputs;
  const bytes = await weightBytesPerToken(path.join(qwenDir, onnxFileName(dtype)));
  reports.push({
    dtype,
    weightBytesPerToken: bytes,
    sweep: sweepRows,
    bestBatch,
    ref: summary(sides.ref),
    exact: summary(sides.exact),
    fast: summary(sides.fast),
    exactVsRef: { ...exactAgreement, everyRun },
    fastVsExact: {
      ...compareTokens(main, fastOut, exactOut),
      metrics: { exact: await scoreOutputs(args.data!, tokenizer, main, exactOut), fast: await scoreOutputs(args.data!, tokenizer, main, fastOut) },
    },
    batch1: {
      exact: { tokPerS: median(batch1.exact), bytesPerToken: batch1Bytes.exact, boundTokPerS: bandwidth / batch1Bytes.exact },
      fast: { tokPerS: median(batch1.fast), bytesPerToken: batch1Bytes.fast, boundTokPerS: bandwidth / batch1Bytes.fast },
    },
  });
}

// How cost grows with work: seconds per item at K = 1, 2, 4 (one run each beyond K).
const scalingDtype = args['scaling-dtype'] as Dtype;
const scalingRows: Array<{ k: number; side: string; wallS: number; perItemS: number }> = [];
const scaled = reports.find((r) => r.dtype === scalingDtype);
if (scaled) {
  for (const k of scaling) {
    for (const numerics of ['exact', 'fast'] as const) {
      let wallS: number;
      if (k === K) wallS = (numerics === 'exact' ? scaled.exact : scaled.fast).wallS;
      else {
        log(`${scalingDtype}: scaling, ${k} item(s) per task, ${numerics}`);
        const r = await measure(ours(scalingDtype, numerics), workloadFile(qwenDir, workloads.get(k)!));
        if (r.stopped) continue;
        wallS = r.wallMs / 1000;
      }
      scalingRows.push({ k, side: `ours ${numerics}`, wallS, perItemS: wallS / (k * 10) });
    }
  }
  scalingRows.push({ k: K, side: `transformers.js batch ${scaled.bestBatch}`, wallS: scaled.ref.wallS, perItemS: scaled.ref.wallS / (K * 10) });
}

// The bench preset (Llama-3.1-shaped, 174M parameters, fp32) as a second model: one run each.
let second: { ours: Summary; ref: Summary; identical: number; total: number; batch: number } | undefined;
if (args['bench-preset']) {
  const dir = await model('bench-s0-keep', { preset: 'bench', numLogitsToKeep: true });
  const requests = buildWorkload(args.data!, await loadTokenizer(dir), K);
  const file = workloadFile(dir, requests);
  const batch = reports.find((r) => r.dtype === 'fp32')?.bestBatch ?? 8;
  log(`bench preset (fp32): one run each, transformers.js batch ${batch}`);
  await spawnMeasured({ impl: 'ours', modelDir: dir, dtype: 'fp32', device: 'cpu', threads, workloadFile: file, mode: 'batch1' });
  const o = await measure({ label: 'ours exact', cfg: { impl: 'ours', modelDir: dir, dtype: 'fp32', device: 'cpu', threads, maxBatch } }, file);
  const t = await measure({ label: `transformers.js batch ${batch}`, cfg: { impl: 'transformers.js', modelDir: dir, dtype: 'fp32', device: 'cpu', threads, batchSize: batch } }, file);
  if (!o.stopped && !t.stopped) {
    const agreement = compareTokens(requests, o.result.outputs, t.result.outputs);
    second = { ours: summary({ label: 'ip-dialog engine, exact', runs: [o] }), ref: summary({ label: `transformers.js generate(), batch ${batch}`, runs: [t] }), identical: agreement.identical, total: agreement.total, batch };
  }
}

const scheduleCost = measureScheduleCost();
const totalMin = (performance.now() - tStart) / 60000;

// ---- report ----
const f = (x: number, d = 1) => x.toFixed(d);
const lines: string[] = [];
lines.push(
  `machine: ${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${threads} threads; ours decodes up to ${maxBatch ?? NODE_MAX_BATCH} rows together${maxBatch ? '' : ' (the engine default)'}; medians of ${runs} alternating runs; bench:perf took ${f(totalMin, 0)} min`,
  `model: qwen2.5-0.5b preset at ${layers} layers (hidden 896, 14/2 heads, MLP 4864, vocabulary 151,936 tied, q/k/v biases), random weights, num_logits_to_keep`,
  `workload: ${main.length} requests, ${main[0] ? main.reduce((n, r) => n + r.promptIds.length, 0) : 0} prompt tokens, ${main.reduce((n, r) => n + r.maxNewTokens, 0)} output tokens`,
  '',
);
for (const r of reports) {
  const row = (s: Summary) => `| ${s.label} | ${f(s.wallS)} | ${f(s.generateS)} | ${f(s.promptTokPerS, 0)} | ${f(s.decodeTokPerS, 1)} | ${s.cachedPromptTokens} | ${f(s.peakRssMb, 0)} |`;
  lines.push(
    `#### ${r.dtype}`,
    '',
    '| | wall s | generate s | prompt tok/s | decode tok/s | prompt tokens reused | peak RSS MB |',
    '|---|---|---|---|---|---|---|',
    row(r.ref),
    row(r.exact),
    row(r.fast),
    `| speed-up exact / fast | **${f(r.ref.wallS / r.exact.wallS, 2)}x** / **${f(r.ref.wallS / r.fast.wallS, 2)}x** | ${f(r.ref.generateS / r.exact.generateS, 2)}x / ${f(r.ref.generateS / r.fast.generateS, 2)}x | | | | |`,
    '',
    `transformers.js batch-size sweep (wall s): ${r.sweep.map((s) => `${s.batchSize}: ${s.wallS !== null ? f(s.wallS) : `stopped after ${f(s.stoppedAfterS!, 0)} (${s.stopReason})`}`).join(', ')}; best ${r.bestBatch}`,
    `exact vs transformers.js: identical greedy tokens ${r.exactVsRef.identical}/${r.exactVsRef.total} (in every run: ${r.exactVsRef.everyRun})${r.exactVsRef.differing.length ? `; differing: ${r.exactVsRef.differing.map((d) => `${d.id} at ${d.firstDiff}`).join(', ')}` : ''}`,
    `fast vs exact: identical ${r.fastVsExact.identical}/${r.fastVsExact.total}, mean first differing position ${r.fastVsExact.meanFirstDiff === null ? '-' : f(r.fastVsExact.meanFirstDiff)}; metric means exact -> fast: ${(['answerAcc', 'attributeF1', 'valueF1', 'relativeValueAcc'] as const).map((k) => `${k} ${f(r.fastVsExact.metrics.exact[k], 4)} -> ${f(r.fastVsExact.metrics.fast[k], 4)}`).join(', ')}`,
    `batch-1 decode (streaming rate ${f(bandwidth / 1e9)} GB/s; the export reads ${f(r.weightBytesPerToken / 1e6, 0)} MB of weights per token): ${(['exact', 'fast'] as const)
      .map((m) => `${m} ${f(r.batch1[m].tokPerS)} tok/s, its graph reads ${f(r.batch1[m].bytesPerToken / 1e6, 0)} MB per token, bound ${f(r.batch1[m].boundTokPerS)} tok/s -> ${f((100 * r.batch1[m].tokPerS) / r.batch1[m].boundTokPerS, 0)}%`)
      .join('; ')}`,
    '',
  );
}
if (scalingRows.length) lines.push(`scaling (${scalingDtype}, seconds per item = wall / items): ${scalingRows.map((s) => `${s.side} K=${s.k}: ${f(s.perItemS, 2)}`).join('; ')}`);
if (second) lines.push(`bench preset (fp32, one run each): ours ${f(second.ours.wallS)} s vs transformers.js batch ${second.batch} ${f(second.ref.wallS)} s = ${f(second.ref.wallS / second.ours.wallS, 2)}x wall; identical ${second.identical}/${second.total}`);
lines.push(`scheduling cost per step (scheduler alone): ${scheduleCost.map((c) => `${c.waiting} waiting: ${f(c.microsPerStep, 0)} us`).join(', ')}`);
process.stdout.write(`${lines.join('\n')}\n`);

if (args.plot && scaled) {
  const colors: Record<string, string> = { 'ours exact': '#1f77b4', 'ours fast': '#2ca02c' };
  const series = ['ours exact', 'ours fast'].map((side) => ({ label: `ip-dialog ${side.slice(5)}`, color: colors[side], points: scalingRows.filter((s) => s.side === side).map((s) => ({ x: s.k, y: s.perItemS })) }));
  const refRow = scalingRows.find((s) => s.side.startsWith('transformers.js'));
  if (refRow) series.push({ label: `transformers.js (K=${K})`, color: '#d62728', points: scaling.map((k) => ({ x: k, y: refRow.perItemS })) });
  mkdirSync(path.dirname(path.resolve(args.plot)), { recursive: true });
  writeFileSync(args.plot, lineChartSvg(`Seconds per item (${scalingDtype}, 5 pathways each)`, 'items per task (K)', 's per item', series.map((s, i) => ({ ...s, dashed: i === 2 }))));
}
if (args.out) writeFileSync(args.out, JSON.stringify({ machine: os.cpus()[0]?.model, threads, maxBatch: maxBatch ?? NODE_MAX_BATCH, runs, layers, bandwidth, reports, scalingRows, second, scheduleCost, totalMin }, null, 2));
