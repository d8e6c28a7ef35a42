// What machine a measurement ran on: CPU, memory, system, Node and onnxruntime-node, and the
// NVIDIA GPUs as nvidia-smi sees them. Shared by `ipdialog bench` and the GPU bundle's probe
// (bench/bundle/runtime/probe.ts), so both describe a machine the same way.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** e.g. `linux x64`. */
  platform: string;
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
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    glibc: header?.glibcVersionRuntime,
    node: process.version,
    onnxruntime: packageVersion('onnxruntime-node'),
  };
}

/**
 * A package's version from its package.json (onnxruntime-node stays a package in the GPU
 * bundle), found where Node would look for the package: some packages do not export their
 * package.json, and importing one only for its version can cost a process a tenth of a second.
 */
export function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths(name) ?? []) {
    const file = path.join(dir, name, 'package.json');
    if (!existsSync(file)) continue;
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  }
  return 'unknown';
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
