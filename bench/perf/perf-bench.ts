// `npm run bench:perf`: our engine vs transformers.js generate() on the same model, prompts
// and greedy settings, each in its own process, alternating, medians of several runs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cacheDir } from '../../common/node';
import { loadTokenizer } from '../../models';
import { createTinyModel } from '../../models/tiny';
import { measureReadBandwidth } from './harness/bandwidth';
import { MALLOC_ENV } from '../../engine/node-host/malloc-env';
import type { ImplResult } from './harness/result';
import { buildWorkload } from './harness/workload';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    'ref-batch': { type: 'string', default: '8' },
    'max-batch': { type: 'string', default: '32' },
    model: { type: 'string' },
    data: { type: 'string', default: path.resolve(HERE, '../../../shared/ipdialog/filtered_data_test_1000.jsonl') },
    'per-task': { type: 'string', default: '3' },
    out: { type: 'string' },
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function benchModel(): Promise<string> {
  if (args.model) return args.model;
  const dir = cacheDir('models', 'bench-s0');
  if (!existsSync(path.join(dir, 'onnx/model.onnx'))) {
    process.stderr.write(`generating the bench preset model into ${dir}\n`);
    await createTinyModel({ preset: 'bench', seed: 0, out: dir });
  }
  return dir;
}

function runWorker<T = ImplResult>(impl: 'ours' | 'transformers.js', workloadFile: string, modelDir: string, mode = 'workload'): Promise<{ wallMs: number; result: T }> {
  const script = path.join(HERE, 'harness', impl === 'ours' ? 'ours-worker.ts' : 'transformers-worker.ts');
  const outFile = path.join(os.tmpdir(), `ipd-perf-${impl}-${process.pid}-${Date.now()}.json`);
  const extra = impl === 'ours' ? [args['max-batch']!, mode] : [args['ref-batch']!];
  // Our engine runs with the malloc settings the CLI applies; the reference as users run it.
  const env = impl === 'ours' ? { ...process.env, ...MALLOC_ENV } : process.env;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, workloadFile, modelDir, outFile, args.threads!, ...extra], { stdio: ['ignore', 'inherit', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${impl} worker failed (${code}):\n${stderr.slice(-2000)}`));
      resolve({ wallMs, result: JSON.parse(readFileSync(outFile, 'utf8')) as T });
    });
  });
}

const modelDir = await benchModel();
const tokenizer = await loadTokenizer(modelDir);
const config = JSON.parse(readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
const requests = buildWorkload(args.data!, tokenizer, Number(args['per-task']));
const eos = [config.eos_token_id].flat();
const workloadFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'ipd-perf-')), 'workload.json');
writeFileSync(workloadFile, JSON.stringify({ requests, eos, pad: config.pad_token_id ?? eos[0] }));
const weightBytes = readFileSync(path.join(modelDir, 'onnx/model.onnx')).length;
process.stderr.write(`workload: ${requests.length} requests, ${requests.reduce((n, r) => n + r.promptIds.length, 0)} prompt tokens, limits ${Math.min(...requests.map((r) => r.maxNewTokens))}-${Math.max(...requests.map((r) => r.maxNewTokens))}\n`);

// Our first load of a model rewrites its graph once (cached afterwards): do it before timing.
await runWorker<{ decodeTokPerS: number }>('ours', workloadFile, modelDir, 'batch1');
const bandwidth = await measureReadBandwidth(Number(args.threads));
const batch1Runs: number[] = [];
const runs: Record<'ours' | 'transformers.js', Array<{ wallMs: number; result: ImplResult }>> = { ours: [], 'transformers.js': [] };
for (let i = 0; i < Number(args.runs); i++) {
  const order: Array<'ours' | 'transformers.js'> = i % 2 === 0 ? ['transformers.js', 'ours'] : ['ours', 'transformers.js'];
  for (const impl of order) {
    const r = await runWorker(impl, workloadFile, modelDir);
    runs[impl].push(r);
    process.stderr.write(`run ${i + 1} ${impl}: ${(r.wallMs / 1000).toFixed(1)} s wall, ${(r.result.generateMs / 1000).toFixed(1)} s generating, peak RSS ${r.result.maxRssMb.toFixed(0)} MB\n`);
  }
  batch1Runs.push((await runWorker<{ decodeTokPerS: number }>('ours', workloadFile, modelDir, 'batch1')).result.decodeTokPerS);
}

// Greedy outputs must agree request by request (in every run).
const ref0 = runs['transformers.js'][0].result.outputs;
const identical = requests.filter((r) => runs.ours.every((o) => JSON.stringify(o.result.outputs[r.id]) === JSON.stringify(ref0[r.id]))).length;
const differing = requests.filter((r) => JSON.stringify(runs.ours[0].result.outputs[r.id]) !== JSON.stringify(ref0[r.id])).map((r) => r.id);

function summary(impl: 'ours' | 'transformers.js') {
  const rs = runs[impl];
  return {
    wallS: median(rs.map((r) => r.wallMs / 1000)),
    generateS: median(rs.map((r) => r.result.generateMs / 1000)),
    tokPerS: median(rs.map((r) => r.result.generatedTokens / (r.result.generateMs / 1000))),
    prefillTokPerS: median(rs.map((r) => r.result.promptTokens / (r.result.prefillMs / 1000))),
    decodeTokPerS: median(rs.map((r) => r.result.decodeTokens / (r.result.decodeMs / 1000))),
    peakRssMb: median(rs.map((r) => r.result.maxRssMb)),
    generated: rs[0].result.generatedTokens,
  };
}
const ours = summary('ours');
const ref = summary('transformers.js');
const batch1 = median(batch1Runs);
const bound = bandwidth / weightBytes;
const fmt = (x: number, d = 1) => x.toFixed(d);
const table = [
  '| | wall s | generate s | generated tok/s | prefill tok/s | decode tok/s | peak RSS MB |',
  '|---|---|---|---|---|---|---|',
  `| transformers.js generate() | ${fmt(ref.wallS)} | ${fmt(ref.generateS)} | ${fmt(ref.tokPerS)} | ${fmt(ref.prefillTokPerS, 0)} | ${fmt(ref.decodeTokPerS)} | ${fmt(ref.peakRssMb, 0)} |`,
  `| ip-dialog engine | ${fmt(ours.wallS)} | ${fmt(ours.generateS)} | ${fmt(ours.tokPerS)} | ${fmt(ours.prefillTokPerS, 0)} | ${fmt(ours.decodeTokPerS)} | ${fmt(ours.peakRssMb, 0)} |`,
  `| speed-up | **${fmt(ref.wallS / ours.wallS, 2)}x** | ${fmt(ref.generateS / ours.generateS, 2)}x | | | | |`,
].join('\n');
const lines = [
  `machine: ${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; threads ${args.threads}; ${args.runs} runs, medians`,
  `model: bench preset (${(weightBytes / 1e6).toFixed(0)} MB fp32), ${requests.length} direct-response prompts (chat template), greedy`,
  table,
  `identical greedy tokens: ${identical}/${requests.length}${differing.length ? ` (differing: ${differing.join(', ')})` : ''}`,
  `batch-1 decode: ${fmt(batch1)} tok/s; measured weight-streaming rate (1-row MatMul) ${(bandwidth / 1e9).toFixed(1)} GB/s / ${(weightBytes / 1e6).toFixed(0)} MB per token = bound ${fmt(bound)} tok/s -> ${fmt((100 * batch1) / bound, 0)}% of the bound`,
];
process.stdout.write(`${lines.join('\n')}\n`);
if (args.out) writeFileSync(args.out, JSON.stringify({ ours, ref, identical, differing, batch1, bandwidth, weightBytes, runs }, null, 2));
