// What the lent machine is: CPU, glibc, the GPU as nvidia-smi sees it, and whether a WebGPU
// adapter can be created through onnxruntime-node's WebGPU provider (and which Vulkan loader,
// driver and physical device it used: onnxruntime does not expose Dawn's adapter info to Node,
// so the loader's own debug log and /proc/self/maps tell).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import onnxProto from 'onnx-proto';
import { documentedBandwidthGbs } from './documented-bandwidth';

const { onnx } = onnxProto;

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  glibc?: string;
  node: string;
  onnxruntime: string;
}

export function machineInfo(): MachineInfo {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    glibc: header?.glibcVersionRuntime,
    node: process.version,
    onnxruntime: packageVersion('onnxruntime-node'),
  };
}

function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export interface NvidiaGpu {
  name: string;
  driver: string;
  memoryMiB: number;
  busId: string;
}

export type NvidiaSmi = { present: true; gpus: NvidiaGpu[] } | { present: false; reason: string };

export function queryNvidiaSmi(): NvidiaSmi {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total,pci.bus_id', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return { present: false, reason: (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'nvidia-smi not found on PATH' : r.error.message };
  if (r.status !== 0) return { present: false, reason: `nvidia-smi exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0]}` };
  const gpus = r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, driver, memory, busId] = line.split(',').map((s) => s.trim());
      return { name, driver, memoryMiB: Number(memory), busId };
    });
  return { present: true, gpus };
}

export interface AdapterProbe {
  ok: boolean;
  error?: string;
  /** Physical devices the Vulkan loader enumerated, in its order. */
  physicalDevices: string[];
  icdManifests: string[];
  /** Shared libraries of the Vulkan path mapped into the process after the session ran. */
  loaded: string[];
  /** Loader errors and warnings, for the reader of a failed probe. */
  loaderMessages: string[];
}

/** In a child process (`adapter-child`), with the loader's debug log on. */
export function probeWebGpu(toolFile: string): AdapterProbe {
  const r = spawnSync(process.execPath, [toolFile, 'adapter-child'], {
    encoding: 'utf8',
    env: { ...process.env, VK_LOADER_DEBUG: 'all' },
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const log = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n');
  const child = parseChildResult(r.stdout ?? '');
  return {
    ok: r.status === 0 && child?.ok === true,
    error: child?.error ?? (r.status === 0 ? undefined : `probe exited ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`),
    physicalDevices: unique(log.map((l) => /DRIVER:\s+\[\d+\]\s+(.+?)\s*$/.exec(l)?.[1])),
    icdManifests: unique(log.map((l) => /Found ICD manifest file (.+?),/.exec(l)?.[1])),
    loaded: child?.loaded ?? [],
    loaderMessages: unique(log.filter((l) => /^(ERROR|WARNING)/.test(l))).slice(0, 20),
  };
}

function parseChildResult(stdout: string): { ok: boolean; error?: string; loaded: string[] } | undefined {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{"adapterChild"'));
  return line ? (JSON.parse(line) as { adapterChild: { ok: boolean; error?: string; loaded: string[] } }).adapterChild : undefined;
}

function unique(xs: Array<string | undefined>): string[] {
  return [...new Set(xs.filter((x): x is string => Boolean(x)))];
}

/** Runs x + x on the WebGPU provider and reports the Vulkan-related libraries it mapped. */
export async function adapterChild(): Promise<void> {
  let result: { ok: boolean; error?: string; loaded: string[] };
  try {
    // Loaded here, not at the top: the tool's other commands must run where onnxruntime cannot.
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(addGraph(), { executionProviders: ['webgpu'], logSeverityLevel: 3 });
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) });
    const y = Array.from(out.y.data as Float32Array);
    await session.release();
    const ok = y.join() === '2,4,6,8';
    result = { ok, error: ok ? undefined : `x + x gave ${y.join()} on the WebGPU provider`, loaded: mappedLibraries() };
  } catch (err) {
    result = { ok: false, error: (err as Error).message.split('\n')[0], loaded: mappedLibraries() };
  }
  process.stdout.write(`${JSON.stringify({ adapterChild: result })}\n`);
}

function mappedLibraries(): string[] {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  return unique(maps.map((l) => /\s(\/\S+\.so[\d.]*)$/.exec(l)?.[1]).filter((p) => p && /vulkan|vk_|nvidia|swiftshader|onnxruntime|lvp|radeon|intel/i.test(p)));
}

function addGraph(): Uint8Array {
  const vec = { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } };
  const graph = onnx.GraphProto.create({
    name: 'probe',
    node: [onnx.NodeProto.create({ opType: 'Add', input: ['x', 'x'], output: ['y'] })],
    input: [onnx.ValueInfoProto.create({ name: 'x', type: vec })],
    output: [onnx.ValueInfoProto.create({ name: 'y', type: vec })],
  });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph })).finish();
}

export interface ProbeResult {
  machine: MachineInfo;
  nvidiaSmi: NvidiaSmi;
  /** Only for --device webgpu. */
  webgpu?: AdapterProbe;
  /** The datasheet bandwidth of the first GPU, when it is a known one. */
  documentedBandwidthGbs?: number;
}

export function runProbe(device: string, toolFile: string): ProbeResult {
  const nvidiaSmi = queryNvidiaSmi();
  return {
    machine: machineInfo(),
    nvidiaSmi,
    webgpu: device === 'webgpu' ? probeWebGpu(toolFile) : undefined,
    documentedBandwidthGbs: nvidiaSmi.present && nvidiaSmi.gpus[0] ? documentedBandwidthGbs(nvidiaSmi.gpus[0].name) : undefined,
  };
}
