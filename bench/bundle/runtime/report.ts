// run.sh's last step: everything the run left in its work folder, as RESULTS/gpu-bench.json and
// a short text table (RESULTS/gpu-bench.txt). Few files on purpose: the device tool brings
// back at most 8.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchReport } from '../../perf/verify/schema';
import { MANIFEST_FILE, type GpuBundleManifest } from '../layout';
import type { ModelInfo } from './model-info';
import type { ProbeResult } from './probe';
import { compareTokenRuns, type GenerateLine, type TokenComparison } from './tokens';

export interface ReportOptions {
  bundle: string;
  work: string;
  results: string;
  device: string;
  presets: string[];
  dtypes: string[];
  perTask: number;
  maxNewTokens: number;
  timeLimitS: number;
  started: string;
  seconds: number;
}

export interface StepRecord {
  step: string;
  status: 'ok' | 'failed' | 'time_limit' | 'skipped';
  rc: number;
  seconds: number;
  note?: string;
}

export interface ModelRun {
  seconds?: number;
  outputs: GenerateLine[];
}

export interface ModelReport {
  preset: string;
  dtype: string;
  files?: ModelInfo['files'];
  runs: Record<string, ModelRun>;
  /** The device's greedy tokens against the CPU's (absent on --device cpu). */
  tokens?: TokenComparison;
  /** `ipdialog bench --out` as written, when the bundle has that command. */
  bench?: BenchReport;
}

export type RunStatus = 'ok' | 'failed' | 'time_limit';

export interface GpuBenchReport {
  format: 1;
  status: RunStatus;
  device: string;
  started: string;
  seconds: number;
  timeLimitS: number;
  bundle: Partial<Pick<GpuBundleManifest, 'builtAt' | 'gitRev' | 'onnxruntimeNode' | 'debs'>> & { node?: string };
  probe?: ProbeResult;
  bandwidth?: unknown;
  documentedBandwidthGbs?: number;
  settings: { presets: string[]; dtypes: string[]; perTask: number; maxNewTokens: number };
  prompts: Array<{ id: string | number; prompt: string }>;
  models: ModelReport[];
  steps: StepRecord[];
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

function readJsonl<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** The one place that names the work folder's files (run.sh writes them under these names). */
export const workFiles = (work: string) => ({
  steps: path.join(work, 'steps.jsonl'),
  probe: path.join(work, 'probe.json'),
  bandwidth: path.join(work, 'bandwidth.json'),
  input: path.join(work, 'input.jsonl'),
  modelInfo: (preset: string) => path.join(work, 'model-info', `${preset}.json`),
  tokens: (preset: string, dtype: string, device: string) => path.join(work, 'tokens', `${preset}-${dtype}-${device}.jsonl`),
  bench: (preset: string, dtype: string) => path.join(work, 'bench', `${preset}-${dtype}.json`),
});

export function collectReport(o: ReportOptions): GpuBenchReport {
  const f = workFiles(o.work);
  const manifest = readJson<GpuBundleManifest>(path.join(o.bundle, MANIFEST_FILE));
  const steps = readJsonl<StepRecord>(f.steps);
  const probe = readJson<ProbeResult>(f.probe);
  const devices = o.device === 'cpu' ? ['cpu'] : [o.device, 'cpu'];
  const stepSeconds = new Map(steps.map((s) => [s.step, s.seconds]));
  const models: ModelReport[] = [];
  for (const preset of o.presets) {
    const info = readJson<ModelInfo>(f.modelInfo(preset));
    for (const dtype of o.dtypes) {
      const runs: Record<string, ModelRun> = {};
      for (const d of devices) {
        const file = f.tokens(preset, dtype, d);
        if (existsSync(file)) runs[d] = { seconds: stepSeconds.get(`generate:${preset}-${dtype}:${d}`), outputs: readJsonl<GenerateLine>(file) };
      }
      const tokens = o.device !== 'cpu' && runs.cpu && runs[o.device] ? compareTokenRuns(runs.cpu.outputs, runs[o.device].outputs) : undefined;
      models.push({ preset, dtype, files: info?.files, runs, tokens, bench: readJson<BenchReport>(f.bench(preset, dtype)) });
    }
  }
  return {
    format: 1,
    status: runStatus(steps, models),
    device: o.device,
    started: o.started,
    seconds: o.seconds,
    timeLimitS: o.timeLimitS,
    bundle: { builtAt: manifest?.builtAt, gitRev: manifest?.gitRev, onnxruntimeNode: manifest?.onnxruntimeNode, debs: manifest?.debs, node: manifest?.node.version },
    probe,
    bandwidth: readJson(f.bandwidth),
    documentedBandwidthGbs: probe?.documentedBandwidthGbs,
    settings: { presets: o.presets, dtypes: o.dtypes, perTask: o.perTask, maxNewTokens: o.maxNewTokens },
    prompts: readJsonl<{ id: string | number; prompt: string }>(f.input).map(({ id, prompt }) => ({ id, prompt })),
    models,
    steps,
  };
}

/** A cut step makes the run time-limited; a failed step or a token difference makes it failed. */
export function runStatus(steps: readonly StepRecord[], models: readonly ModelReport[]): RunStatus {
  if (steps.some((s) => s.status === 'time_limit')) return 'time_limit';
  const tokensDiffer = models.some((m) => m.tokens && (m.tokens.differences.length > 0 || m.tokens.missing.length > 0));
  return steps.some((s) => s.status === 'failed') || tokensDiffer ? 'failed' : 'ok';
}

const fmt = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

export function renderTable(r: GpuBenchReport): string {
  const lines: string[] = [];
  lines.push(`ip-dialog GPU bundle: --device ${r.device}, status ${r.status}, ${fmt(r.seconds, 0)} s of ${r.timeLimitS} s (${r.started})`);
  const m = r.probe?.machine;
  if (m) lines.push(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, glibc ${m.glibc ?? '?'}, Node ${m.node}, onnxruntime-node ${m.onnxruntime}`);
  const smi = r.probe?.nvidiaSmi;
  if (smi) lines.push(smi.present ? `GPU: ${smi.gpus.map((g) => `${g.name} (driver ${g.driver}, ${g.memoryMiB} MiB)`).join('; ')}` : `GPU: none (${smi.reason})`);
  const a = r.probe?.webgpu;
  if (a) lines.push(`WebGPU adapter: ${a.ok ? `created${a.adapter ? ` on ${a.adapter}` : ''}` : `FAILED (${a.error})`}; Vulkan devices: ${a.physicalDevices.join(', ') || '-'}; ICD: ${a.icdManifests.join(', ') || '-'}`);
  const lent = r.steps.find((s) => s.step === 'driver-libraries')?.note;
  if (lent) lines.push(`Vulkan driver libraries: ${lent}`);
  const bw = r.bandwidth as { gbPerS?: number; device?: string } | undefined;
  const gbs = bw?.gbPerS !== undefined && Number.isFinite(bw.gbPerS) ? bw.gbPerS.toPrecision(3) : '-';
  lines.push(`bandwidth: measured ${gbs} GB/s (1-row MatMul on ${bw?.device ?? r.device}); documented ${r.documentedBandwidthGbs ?? '-'} GB/s`);
  const devices = r.device === 'cpu' ? ['cpu'] : [r.device, 'cpu'];
  const header = ['model', 'dtype', ...devices.map((d) => `${d} s`), 'greedy tokens', 'ipdialog bench vs transformers.js'];
  const rows = r.models.map((mr) => [
    mr.preset,
    mr.dtype,
    ...devices.map((d) => fmt(mr.runs[d]?.seconds)),
    mr.tokens ? `${mr.tokens.identical}/${mr.tokens.compared + mr.tokens.missing.length} equal to CPU` : mr.runs[r.device] ? `${mr.runs[r.device].outputs.length} requests` : '-',
    mr.bench ? benchCell(mr.bench) : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  for (const row of [header, ...rows]) lines.push(row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  const bad = r.steps.filter((s) => s.status !== 'ok');
  for (const s of bad) lines.push(`step ${s.step}: ${s.status}${s.note ? ` (${s.note})` : ''}${s.rc ? `, exit ${s.rc}` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** The comparison in a few words (the full table is in run.log, every number in gpu-bench.json). */
function benchCell(b: BenchReport): string {
  const a = b.agreement;
  const bound = b.batch1.bound ? `, batch-1 ${(100 * b.batch1.bound.ratio).toFixed(0)}% of bound` : '';
  return `${a.identical}/${a.total} identical, ${fmt(b.reference.wallS / b.ours.wallS, 2)}x wall${bound}`;
}

export async function writeReport(r: GpuBenchReport, results: string): Promise<void> {
  await mkdir(results, { recursive: true });
  await writeFile(path.join(results, 'gpu-bench.json'), `${JSON.stringify(r, null, 1)}\n`);
  await writeFile(path.join(results, 'gpu-bench.txt'), renderTable(r));
}
