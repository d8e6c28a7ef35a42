// Whether onnxruntime-node can open a session on a GPU provider here, and which adapter it
// used. onnxruntime gives Node no adapter info, so a child process runs x + x on the provider
// alone (no CPU fallback) with the Vulkan loader's debug log on: the log names the physical
// devices, the driver files, and the device Dawn opened; /proc/self/maps names the libraries
// the process mapped. Shared by `ipdialog bench` and the GPU bundle's probe.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type ProbedDevice = 'webgpu' | 'cuda';

export interface AdapterProbe {
  ok: boolean;
  error?: string;
  /** WebGPU: the Vulkan device the provider opened and its driver library (from the loader's log). */
  adapter?: string;
  driver?: string;
  /** Physical devices the Vulkan loader enumerated, in its order. */
  physicalDevices: string[];
  icdManifests: string[];
  /** Shared libraries of the device path mapped into the process after the session ran. */
  loaded: string[];
  /** Loader errors and warnings, for the reader of a failed probe. */
  loaderMessages: string[];
}

const CHILD_MARK = '{"deviceProbeChild"';

/**
 * Runs `process.execPath ...childArgs`, a command that calls deviceProbeChild(device) (the
 * bundle's `gpu-bench.mjs adapter-child`, the CLI's `ipdialog bench-worker --probe`).
 */
export function probeDevice(device: ProbedDevice, childArgs: readonly string[]): AdapterProbe {
  const r = spawnSync(process.execPath, [...childArgs], {
    encoding: 'utf8',
    env: device === 'webgpu' ? { ...process.env, VK_LOADER_DEBUG: 'all' } : process.env,
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const log = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n');
  const child = parseChildResult(r.stdout ?? '');
  const used = log.map((l) => /Using "(.+?)" with driver: "(.+?)"/.exec(l)).find(Boolean);
  return {
    ok: r.status === 0 && child?.ok === true,
    error: child?.error ?? (r.status === 0 ? undefined : `probe exited ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`),
    ...(used && { adapter: used[1], driver: used[2] }),
    physicalDevices: unique(log.map((l) => /DRIVER:\s+\[\d+\]\s+(.+?)\s*$/.exec(l)?.[1])),
    icdManifests: unique(log.map((l) => /Found ICD manifest file (.+?),/.exec(l)?.[1])),
    loaded: child?.loaded ?? [],
    loaderMessages: unique(log.filter((l) => /^(ERROR|WARNING)/.test(l))).slice(0, 20),
  };
}

interface ChildResult {
  ok: boolean;
  error?: string;
  loaded: string[];
}

function parseChildResult(stdout: string): ChildResult | undefined {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith(CHILD_MARK));
  return line ? (JSON.parse(line) as { deviceProbeChild: ChildResult }).deviceProbeChild : undefined;
}

function unique(xs: Array<string | undefined>): string[] {
  return [...new Set(xs.filter((x): x is string => Boolean(x)))];
}

/** The child's side: x + x on that provider only; one JSON line on stdout. */
export async function deviceProbeChild(device: ProbedDevice): Promise<void> {
  let result: ChildResult;
  try {
    // Loaded here, not at the top: the bundle's other helper commands run where onnxruntime cannot.
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(addGraph(), { executionProviders: [device], logSeverityLevel: 3 });
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) });
    const y = Array.from(out.y.data as Float32Array);
    await session.release();
    const ok = y.join() === '2,4,6,8';
    result = { ok, error: ok ? undefined : `x + x gave ${y.join()} on the ${device} provider`, loaded: mappedLibraries() };
  } catch (err) {
    result = { ok: false, error: (err as Error).message.split('\n')[0], loaded: mappedLibraries() };
  }
  process.stdout.write(`${JSON.stringify({ deviceProbeChild: result })}\n`);
}

function mappedLibraries(): string[] {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  return unique(maps.map((l) => /\s(\/\S+\.so[\d.]*)$/.exec(l)?.[1]).filter((p) => p && /vulkan|vk_|nvidia|swiftshader|onnxruntime|lvp|radeon|intel|cuda|cudnn|cublas/i.test(p)));
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
