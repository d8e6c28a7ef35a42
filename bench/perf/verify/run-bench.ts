// `ipdialog bench`: our engine and the transformers.js reference on the user's model, device
// and the benchmark's own workload, one measured process each (the kit of `npm run bench:perf`),
// plus batch-1 decode against the weight-streaming bound and a description of the machine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IpdError } from '../../../common';
import { CUDA_INSTALL_HINT } from '../../../engine/node';
import type { Dtype } from '../../../models';
import { loadTokenizer } from '../../../models';
import { resolveModel } from '../../../models/node';
import { version as IP_DIALOG_VERSION } from '../../../package.json';
import {
  buildWorkload,
  cliEntry,
  compareTokens,
  measureReadBandwidth,
  spawnMeasured,
  sweepBatchSizes,
  weightBytesPerToken,
  type ImplResult,
  type MeasuredConfig,
  type WorkloadRequest,
} from '../harness';
import { probeDevice, type AdapterProbe } from './device-probe';
import { machineInfo, packageVersion, queryNvidiaSmi } from './machine';
import { PERTURB_ENV, perturbedModelCopy } from './perturb';
import { BENCH_REPORT_FORMAT, type BenchReport, type BenchSide } from './schema';

export type BenchDevice = 'auto' | 'cpu' | 'cuda' | 'webgpu';

export interface BenchOptions {
  /** A local folder or a hub id. */
  model: string;
  dtype: Dtype | 'auto';
  device: BenchDevice;
  /** The test set (JSONL). */
  data: string;
  perTask: number;
  /** Only the first N requests of the workload. */
  requests?: number;
  /** Cap on every request's output limit and on the batch-1 decode. */
  maxNewTokens?: number;
  numerics: 'exact' | 'fast';
  threads?: number;
  /** Prompts per static batch of the reference (default [8]); several are swept and the fastest is compared. */
  refBatch?: number[];
  /** Device bandwidth for the batch-1 bound; the CPU's is measured when absent. */
  bandwidthGbs?: number;
  offline?: boolean;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** Decode steps the batch-1 measurement times unless --max-new-tokens is lower. */
const BATCH1_TOKENS = 128;

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const log = o.log ?? ((line: string) => process.stderr.write(`[bench] ${line}\n`));
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const threads = o.threads ?? os.availableParallelism();
  const refBatches = o.refBatch ?? [8];
  const model = await resolveModel(o.model, { dtype: o.dtype, offline: o.offline });
  const device = chooseDevice(o.device);
  log(`device: ${device.used}${device.probe?.adapter ? ` (${device.probe.adapter})` : ''}${device.note ? `; ${device.note}` : ''}`);

  const tokenizer = await loadTokenizer(model.dir);
  const requests = buildWorkload(o.data, tokenizer, o.perTask)
    .slice(0, o.requests)
    .map((r) => ({ ...r, maxNewTokens: Math.min(r.maxNewTokens, o.maxNewTokens ?? Infinity) }));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ipd-bench-'));
  try {
    const workloadFile = path.join(tmp, 'workload.json');
    writeFileSync(workloadFile, JSON.stringify({ requests, eos: model.config.eosTokenIds }));
    const promptTokens = requests.reduce((n, r) => n + r.promptIds.length, 0);
    log(`workload: ${requests.length} requests, ${promptTokens} prompt tokens, output limits ${Math.min(...requests.map((r) => r.maxNewTokens))}-${Math.max(...requests.map((r) => r.maxNewTokens))}`);

    const common = { workloadFile, modelDir: model.dir, dtype: model.dtype, device: device.used, threads };
    const ours: Omit<MeasuredConfig, 'outFile'> = { ...common, impl: 'ours', numerics: o.numerics };
    // First, as it also writes the engine's one-time graph rewrite (cached) outside the timed runs.
    const batch1Tokens = Math.min(BATCH1_TOKENS, o.maxNewTokens ?? BATCH1_TOKENS);
    log(`ip-dialog engine, batch-1 decode (${batch1Tokens} tokens)`);
    const b1 = await measured<{ decodeTokPerS: number; device: string }>({ ...ours, mode: 'batch1', batch1Tokens });
    const bytesPerToken = await weightBytesPerToken(model.onnxPath);
    const bound = await decodeBound(device.used, threads, bytesPerToken, o.bandwidthGbs, log);

    log('ip-dialog engine, the workload');
    const oursRun = await measured<ImplResult>(ours);
    if (oursRun.result.device && oursRun.result.device !== device.used) {
      throw new IpdError('INTERNAL', `the engine ran on ${oursRun.result.device}, not ${device.used}: the two sides would not be comparable`);
    }
    let refDir = model.dir;
    let perturbed: string | null = null;
    if (process.env[PERTURB_ENV]) {
      const copy = await perturbedModelCopy(model.dir, model.onnxPath, tmp);
      refDir = copy.dir;
      perturbed = copy.tensor;
      log(`${PERTURB_ENV} is set: the reference loads a copy with ${copy.tensor} perturbed (a test switch)`);
    }
    // Several sizes: swept as `npm run bench:perf` does, ours compared with the fastest.
    const sweep = await sweepBatchSizes(refBatches, requests.length, async (batchSize, stopIf) => {
      log(`transformers.js generate(), static batches of ${batchSize}`);
      const r = await spawnMeasured<ImplResult>({ ...common, modelDir: refDir, impl: 'transformers.js', batchSize }, { stopIf });
      if (r.stopped) log(`  batch ${batchSize} stopped after ${(r.wallMs / 1000).toFixed(0)} s (${r.stopReason})`);
      return r;
    });
    const refRun = sweep.best.run;
    const refBatch = sweep.best.batchSize;

    const agreement = compareTokens(requests, oursRun.result.outputs, refRun.result.outputs);
    const firstDiff = new Map(agreement.differing.map((d) => [d.id, d.firstDiff]));
    return {
      format: BENCH_REPORT_FORMAT,
      startedAt,
      seconds: (performance.now() - t0) / 1000,
      model: { given: o.model, dir: model.dir, dtype: model.dtype, onnxFile: path.relative(model.dir, model.onnxPath), weightBytesPerToken: bytesPerToken },
      settings: {
        device: o.device,
        perTask: o.perTask,
        requests: o.requests ?? null,
        maxNewTokens: o.maxNewTokens ?? null,
        numerics: o.numerics,
        threads,
        refBatch: refBatches,
        bandwidthGbs: o.bandwidthGbs ?? null,
        data: path.resolve(o.data),
      },
      machine: {
        ...machineInfo(),
        packages: { 'ip-dialog': IP_DIALOG_VERSION, 'onnxruntime-node': packageVersion('onnxruntime-node'), '@huggingface/transformers': packageVersion('@huggingface/transformers') },
      },
      device: {
        requested: o.device,
        used: device.used,
        ...(device.note && { note: device.note }),
        ...(device.probe && { probe: publicProbe(device.probe) }),
        ...(device.gpus && { gpus: device.gpus }),
      },
      workload: {
        requests: requests.length,
        items: new Set(requests.map((r) => r.id.split(':')[1])).size,
        pathways: [...new Set(requests.map((r) => r.pathway))],
        promptTokens,
        maxNewTokens: requests.reduce((n, r) => n + r.maxNewTokens, 0),
      },
      ours: side('ip-dialog', `ip-dialog engine, ${o.numerics}`, oursRun, device.used),
      reference: { ...side('transformers.js', `transformers.js generate(), batch ${refBatch}`, refRun, device.used), batchSize: refBatch, sweep: sweep.rows },
      agreement: {
        total: agreement.total,
        identical: agreement.identical,
        allIdentical: agreement.identical === agreement.total,
        meanFirstDiff: agreement.meanFirstDiff,
        requests: requests.map((r) => requestRecord(r, firstDiff.get(r.id) ?? null, oursRun.result, refRun.result)),
      },
      batch1: {
        decodeTokensPerS: b1.result.decodeTokPerS,
        tokens: batch1Tokens,
        bound: bound && { ...bound, tokensPerS: (bound.gbPerS * 1e9) / bytesPerToken, ratio: b1.result.decodeTokPerS / ((bound.gbPerS * 1e9) / bytesPerToken) },
        ...(!bound && { boundNote: 'no bound on a GPU without --bandwidth-gbs (the device memory bandwidth from its datasheet, e.g. 4800 for an H200): the ratio is omitted, not guessed' }),
      },
      referencePerturbed: perturbed,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function measured<T>(cfg: Omit<MeasuredConfig, 'outFile'>): Promise<{ wallMs: number; result: T }> {
  const r = await spawnMeasured<T>(cfg);
  if (r.stopped) throw new IpdError('INTERNAL', 'a measured process was stopped without a stop rule');
  return r;
}

interface ChosenDevice {
  used: 'cpu' | 'cuda' | 'webgpu';
  note?: string;
  probe?: AdapterProbe;
  gpus?: Array<{ name: string; driver: string; memoryMiB: number }>;
}

const WEBGPU_HINT =
  'WebGPU needs a Vulkan driver: the GPU vendor\'s (NVIDIA: its Vulkan ICD, e.g. /usr/share/vulkan/icd.d/nvidia_icd.json) or, on a machine without a GPU, SwiftShader (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json from Debian chromium); or use --device cpu';

/**
 * Resolves `auto` the way the engine does (CUDA when its provider works, else the CPU) before
 * either side runs, so both run on the same device; webgpu and cuda are checked up front, so
 * a missing provider is named before minutes of measuring.
 */
function chooseDevice(requested: BenchDevice): ChosenDevice {
  if (requested === 'cpu') return { used: 'cpu' };
  const gpus = () => {
    const smi = queryNvidiaSmi();
    return smi.present ? smi.gpus.map(({ name, driver, memoryMiB }) => ({ name, driver, memoryMiB })) : undefined;
  };
  const probeOf = (d: 'webgpu' | 'cuda') => probeDevice(d, [cliEntry(), 'bench-worker', '--probe', d]);
  if (requested === 'auto') {
    const cuda = probeOf('cuda');
    if (cuda.ok) return { used: 'cuda', note: 'auto: the CUDA provider works here', probe: cuda, gpus: gpus() };
    return { used: 'cpu', note: `auto: the CUDA provider cannot be used (${cuda.error ?? 'unknown error'}), so the CPU` };
  }
  const probe = probeOf(requested);
  if (!probe.ok) {
    const loader = probe.loaderMessages.filter((m) => m.startsWith('ERROR')).map((m) => m.replace(/\s+/g, ' '));
    const detail = requested === 'webgpu' ? `; Vulkan devices: ${probe.physicalDevices.join(', ') || 'none'}${loader.length ? `; Vulkan loader: ${loader.slice(0, 3).join(' | ')}` : ''}` : '';
    throw new IpdError('DEVICE_UNAVAILABLE', `--device ${requested}: onnxruntime-node cannot run on the ${requested} provider here: ${probe.error ?? 'unknown error'}${detail}`, {
      hint: requested === 'cuda' ? CUDA_INSTALL_HINT : WEBGPU_HINT,
    });
  }
  return { used: requested, probe, gpus: gpus() };
}

function publicProbe(p: AdapterProbe): NonNullable<BenchReport['device']['probe']> {
  const { ok, error, adapter, driver, physicalDevices, icdManifests } = p;
  return { ok, ...(error && { error }), ...(adapter && { adapter }), ...(driver && { driver }), physicalDevices, icdManifests };
}

type Bound = Omit<NonNullable<BenchReport['batch1']['bound']>, 'tokensPerS' | 'ratio'>;

async function decodeBound(device: string, threads: number, bytesPerToken: number, givenGbs: number | undefined, log: (l: string) => void): Promise<Bound | null> {
  if (givenGbs !== undefined) return { gbPerS: givenGbs, source: '--bandwidth-gbs', method: 'given with --bandwidth-gbs' };
  if (device !== 'cpu') return null;
  log('CPU weight-streaming rate (1-row MatMul over 512 MB)');
  const bytesPerS = await measureReadBandwidth(threads);
  return { gbPerS: bytesPerS / 1e9, source: 'measured', method: `1-row fp32 MatMul against a 512 MB matrix, ${threads} threads, fastest of 9 runs (bench/perf/harness/bandwidth.ts)` };
}

function side(impl: BenchSide['impl'], label: string, run: { wallMs: number; result: ImplResult }, device: string): BenchSide {
  const r = run.result;
  return {
    impl,
    label,
    device: r.device ?? device,
    wallS: run.wallMs / 1000,
    loadS: r.loadMs / 1000,
    generateS: r.generateMs / 1000,
    prefillS: r.prefillMs / 1000,
    decodeS: r.decodeMs / 1000,
    promptTokens: r.promptTokens,
    promptTokensPerS: rate(r.promptTokens, r.prefillMs),
    decodeTokens: r.decodeTokens,
    decodeTokensPerS: rate(r.decodeTokens, r.decodeMs),
    generatedTokens: r.generatedTokens,
    reusedPromptTokens: r.cachedPromptTokens,
    peakRssMb: r.maxRssMb,
  };
}

/** Tokens per second, or null when the phase did not run (one new token per request has no decode). */
function rate(tokens: number, ms: number): number | null {
  return tokens > 0 && ms > 0 ? tokens / (ms / 1000) : null;
}

function requestRecord(r: WorkloadRequest, firstDiff: number | null, ours: ImplResult, ref: ImplResult): BenchReport['agreement']['requests'][number] {
  return {
    id: r.id,
    task: r.task,
    pathway: r.pathway,
    promptTokens: r.promptIds.length,
    maxNewTokens: r.maxNewTokens,
    identical: firstDiff === null,
    firstDiff,
    tokens: { ours: ours.outputs[r.id] ?? [], reference: ref.outputs[r.id] ?? [] },
  };
}
