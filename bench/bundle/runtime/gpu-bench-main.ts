// gpu-bench.mjs: run.sh's helper on the lent machine, for what bash cannot do well (JSON,
// onnxruntime probes, the report). The measuring itself is the bundled CLI's (`ipdialog`).
//   probe --device D --out F          machine, nvidia-smi, WebGPU adapter (webgpu only)
//   adapter-child                     (internal) the adapter probe's own process
//   bandwidth --device D --out F [--k N]   1-row MatMul read rate on that provider
//   bandwidth-gbs --probe F           the documented bandwidth of the probed GPU, or nothing
//   generate-input --prompts F [--limit N] --out F   `ipdialog prompts` lines -> `ipdialog generate` input
//   model-info --dir D --out F        sizes and sha256 of a generated model's files
//   report --bundle D --work D --results D ...   gpu-bench.json + gpu-bench.txt; exit 0 ok, 1 failed, 3 time limit
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureDeviceReadBandwidth } from '../../perf/harness/device-bandwidth';
import { modelInfo } from './model-info';
import { adapterChild, runProbe, type ProbeResult } from './probe';
import { collectReport, renderTable, writeReport } from './report';

const STRING_FLAGS = ['device', 'out', 'k', 'probe', 'prompts', 'limit', 'dir', 'bundle', 'work', 'results', 'presets', 'dtypes', 'per-task', 'max-new-tokens', 'time-limit', 'started', 'seconds'];
const [command, ...rest] = process.argv.slice(2);
const { values: a } = parseArgs({ args: rest, options: Object.fromEntries(STRING_FLAGS.map((f) => [f, { type: 'string' as const }])) });

function need(flag: string): string {
  const v = a[flag];
  if (v === undefined) throw new Error(`gpu-bench ${command}: --${flag} is required`);
  return v;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 1)}\n`);
}

const readLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function main(): Promise<number> {
  switch (command) {
    case 'probe': {
      const probe = runProbe(need('device'), fileURLToPath(import.meta.url));
      await writeJson(need('out'), probe);
      // No adapter on --device webgpu: run.sh skips the device runs.
      return probe.webgpu && !probe.webgpu.ok ? 1 : 0;
    }
    case 'adapter-child':
      await adapterChild();
      return 0;
    case 'bandwidth': {
      const device = need('device') as 'cpu' | 'webgpu';
      await writeJson(need('out'), await measureDeviceReadBandwidth({ device, k: a.k ? Number(a.k) : undefined }));
      return 0;
    }
    case 'bandwidth-gbs': {
      const probe = JSON.parse(readFileSync(need('probe'), 'utf8')) as ProbeResult;
      if (probe.documentedBandwidthGbs) process.stdout.write(`${probe.documentedBandwidthGbs}\n`);
      return 0;
    }
    case 'generate-input': {
      // Ids name the task and dataset index, so any reader can find the item again.
      const lines = readLines(need('prompts'))
        .slice(0, a.limit ? Number(a.limit) : undefined)
        .map((r) => JSON.stringify({ id: `${r.task}-${r.index}`, prompt: r.prompt }));
      await writeFile(need('out'), `${lines.join('\n')}\n`);
      return 0;
    }
    case 'model-info':
      await writeJson(need('out'), await modelInfo(need('dir')));
      return 0;
    case 'report': {
      const report = collectReport({
        bundle: need('bundle'),
        work: need('work'),
        results: need('results'),
        device: need('device'),
        presets: need('presets').split(/[\s,]+/).filter(Boolean),
        dtypes: need('dtypes').split(/[\s,]+/).filter(Boolean),
        perTask: Number(need('per-task')),
        maxNewTokens: Number(need('max-new-tokens')),
        timeLimitS: Number(need('time-limit')),
        started: need('started'),
        seconds: Number(need('seconds')),
      });
      await writeReport(report, need('results'));
      process.stdout.write(renderTable(report));
      return report.status === 'ok' ? 0 : report.status === 'time_limit' ? 3 : 1;
    }
    default:
      throw new Error(`gpu-bench: unknown command "${command ?? ''}"`);
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  },
);
