// The GPU device bundle as a lent machine gets it: built once, copied into an empty folder outside
// the checkout, run with a PATH whose `node`, `npm`, `npx` and `tsx` only report being called,
// Node variables pointing into the repo, and strace watching every file the run opens.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGpuBundle } from '../../bench/bundle';
import type { GpuBenchReport } from '../../bench/bundle/runtime';
import { BenchReportSchema } from '../../bench/perf/verify';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { referencePath } from '../helpers/reference';
import { ensureTinyModel } from '../helpers/tiny-model';

const DATA = referencePath('filtered_data_test_1000.jsonl');
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const haveData = existsSync(DATA);
// In CI the reference data and SwiftShader must be there (scripts/install-system-deps.sh).
const describeBundle = haveData || process.env.CI === 'true' ? describe : describe.skip;
const itWebGpu = existsSync(SWIFTSHADER) || process.env.CI === 'true' ? it : it.skip;

// Small enough for a 2-core machine and SwiftShader: the test preset, 3 prompts (2 on SwiftShader,
// about 50 s each there: the history makes them long), 8 tokens; `ipdialog bench` on the
// workload's first request (one item per task), 2 tokens.
const RUN_ARGS = ['--presets', 'test', '--dtypes', 'fp32', '--max-new-tokens', '8', '--bandwidth-k', '512', '--bench-per-task', '1', '--bench-requests', '1', '--bench-max-new-tokens', '2'];

let scratch: string;
let bundleDir: string;
let totalBytes: number;
let sentinelLog: string;

interface RunResult {
  status: number | null;
  stdout: string;
  report: GpuBenchReport;
  /** Every path the run's processes tried to open, and those they opened (strace). */
  tried: string[];
  opened: string[];
  executed: string[];
  tmp: string;
}

/** Sizes of every file, walked here: an independent count of what travels. */
function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(path.join(e.parentPath, e.name)).size, 0);
}

function runBundle(name: string, args: string[], extraEnv: Record<string, string> = {}): RunResult {
  const tmp = path.join(scratch, `${name}-tmp`);
  mkdirSync(tmp, { recursive: true });
  const results = path.join(scratch, `${name}-results`);
  const trace = path.join(scratch, `${name}.strace`);
  const env = {
    PATH: `${path.join(scratch, 'sentinel')}:/usr/bin:/bin`,
    HOME: path.join(scratch, 'home'),
    TMPDIR: tmp,
    LANG: 'C.UTF-8',
    // Poison: if run.sh let these through, Node would fail to start or look into the repo.
    NODE_OPTIONS: `--require=${path.join(REPO_ROOT, 'no-such-preload.cjs')}`,
    NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
    ...extraEnv,
  };
  const r = spawnSync('strace', ['-f', '-qq', '--seccomp-bpf', '-e', 'trace=execve,open,openat', '-o', trace, 'bash', path.join(bundleDir, 'run.sh'), ...args, '--out', results], {
    cwd: scratch,
    env,
    encoding: 'utf8',
    timeout: 560_000,
  });
  const lines = readFileSync(trace, 'utf8').split('\n');
  const paths = (re: RegExp) => lines.map((l) => re.exec(l)?.[1]).filter((p): p is string => Boolean(p));
  return {
    status: r.status,
    stdout: `${r.stdout}\n${r.stderr}`,
    report: JSON.parse(readFileSync(path.join(results, 'gpu-bench.json'), 'utf8')) as GpuBenchReport,
    tried: paths(/open(?:at)?\((?:AT_FDCWD, )?"([^"]+)"/),
    opened: paths(/open(?:at)?\((?:AT_FDCWD, )?"([^"]+)".*\) = \d+$/),
    executed: paths(/execve\("([^"]+)"/),
    tmp,
  };
}

/** What `ipdialog generate` of the checkout gives on the same model and prompts. */
function repoTokens(modelDir: string, prompts: GpuBenchReport['prompts']): Map<string, number[]> {
  const dir = mkdtempSync(path.join(scratch, 'repo-generate-'));
  const input = path.join(dir, 'input.jsonl');
  const out = path.join(dir, 'out.jsonl');
  writeFileSync(input, prompts.map((p) => JSON.stringify(p)).join('\n') + '\n');
  const r = runCli(['generate', '--model', modelDir, '--input', input, '--out', out, '--max-new-tokens', '8', '--threads', '2'], { timeout: 400_000 });
  expect(r.status, r.stderr).toBe(0);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; token_ids: number[] });
  return new Map(lines.map((l) => [String(l.id), l.token_ids]));
}

function expectSelfContained(run: RunResult): void {
  // Nothing of the checkout was opened or run, and no node but the bundle's own.
  expect(run.tried.filter((p) => p.startsWith(REPO_ROOT) || p.startsWith('..'))).toEqual([]);
  expect(run.executed.filter((p) => p.startsWith(REPO_ROOT))).toEqual([]);
  const nodes = run.executed.filter((p) => /(^|\/)(node|nodejs|npm|npx|tsx)$/.test(p));
  expect(nodes.length).toBeGreaterThan(0);
  for (const p of nodes) expect(p.startsWith(`${run.tmp}/ipdialog-gpu.`), p).toBe(true);
  expect(existsSync(sentinelLog), existsSync(sentinelLog) ? readFileSync(sentinelLog, 'utf8') : '').toBe(false);
  // onnxruntime came from the bundle's own copy.
  const ort = run.opened.filter((p) => p.endsWith('libonnxruntime.so.1'));
  expect(ort.length).toBeGreaterThan(0);
  for (const p of ort) expect(p.startsWith(run.tmp), p).toBe(true);
}

describeBundle('npm run bundle:gpu', () => {
  beforeAll(async () => {
    if (!haveData) throw new Error(`reference data missing in CI: ${DATA}`);
    if (spawnSync('strace', ['-V']).status !== 0) throw new Error('this test watches the bundle with strace: run scripts/install-system-deps.sh');
    scratch = mkdtempSync(path.join(os.tmpdir(), 'ipd-gpu-bundle-test-'));
    expect(scratch.startsWith(REPO_ROOT)).toBe(false);
    const built = path.join(scratch, 'built');
    ({ totalBytes } = await buildGpuBundle({ out: built, data: DATA }));
    // The lent machine gets a copy: an empty folder, no node_modules, no checkout.
    bundleDir = path.join(scratch, 'bundle');
    cpSync(built, bundleDir, { recursive: true });
    const sentinel = path.join(scratch, 'sentinel');
    sentinelLog = path.join(scratch, 'sentinel.log');
    mkdirSync(sentinel);
    for (const name of ['node', 'nodejs', 'npm', 'npx', 'tsx']) {
      writeFileSync(path.join(sentinel, name), `#!/bin/sh\necho "${name} $*" >> '${sentinelLog}'\nexit 97\n`);
      chmodSync(path.join(sentinel, name), 0o755);
    }
  }, 900_000);

  // Two copies of a 48 MiB bundle and the runs' results.
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('fits the 60 MiB a lent machine takes along', () => {
    expect(folderBytes(bundleDir)).toBeLessThanOrEqual(60 * 2 ** 20);
    expect(totalBytes).toBe(folderBytes(bundleDir));
    expect(readdirSync(bundleDir)).not.toContain('node_modules');
  });

  it('runs on the CPU from an empty folder, with the tokens of `ipdialog generate` of the checkout', async () => {
    const run = runBundle('cpu', ['--device', 'cpu', '--prompts', '3', ...RUN_ARGS]);
    expect(run.status, run.stdout).toBe(0);
    expect(run.report.status).toBe('ok');
    expectSelfContained(run);
    expect(run.report.probe?.nvidiaSmi.present).toBe(false);
    expect(run.report.prompts).toHaveLength(3);

    // The bundle rendered the checkout's prompts from its own copy of the test set...
    const rendered = runCli(['prompts', '--pathway', 'direct-response', '--per-task', '1', '--data', DATA]);
    expect(rendered.status, rendered.stderr).toBe(0);
    const want = rendered.stdout.trim().split('\n').slice(0, 3).map((l) => JSON.parse(l) as { task: string; index: number; prompt: string });
    expect(run.report.prompts).toEqual(want.map((p) => ({ id: `${p.task}-${p.index}`, prompt: p.prompt })));
    // ...generated the model the checkout's factory writes...
    const [model] = run.report.models;
    const modelDir = await ensureTinyModel({ preset: 'test' });
    expect(model.files?.['onnx/model.onnx'].sha256).toBe(createHash('sha256').update(readFileSync(path.join(modelDir, 'onnx/model.onnx'))).digest('hex'));
    // ...and generated the same greedy tokens.
    const ref = repoTokens(modelDir, run.report.prompts);
    const got = model.runs.cpu.outputs;
    expect(got).toHaveLength(3);
    for (const o of got) expect(o.token_ids, String(o.id)).toEqual(ref.get(String(o.id)));

    // The comparison is the bundled `ipdialog bench`: its report, by its schema, with identical tokens.
    expect(run.report.steps.find((s) => s.step === 'bench:test-fp32')?.status).toBe('ok');
    const bench = BenchReportSchema.parse(model.bench);
    expect(bench.device.used).toBe('cpu');
    expect(bench.agreement).toMatchObject({ total: 1, identical: 1, allIdentical: true });
    expect(bench.agreement.requests[0].tokens.ours).toHaveLength(2);
    expect(bench.batch1.bound?.source).toBe('measured');
  }, 600_000);

  itWebGpu('runs on WebGPU (SwiftShader) through its own Vulkan loader, with the CPU\'s tokens', async () => {
    const run = runBundle('webgpu', ['--device', 'webgpu', '--prompts', '2', ...RUN_ARGS], { VK_ICD_FILENAMES: SWIFTSHADER });
    expect(run.status, run.stdout).toBe(0);
    expect(run.report.status).toBe('ok');
    expectSelfContained(run);
    const adapter = run.report.probe?.webgpu;
    expect(adapter?.ok).toBe(true);
    expect(adapter?.physicalDevices.join()).toMatch(/SwiftShader/);
    // The loader the provider opened is the bundle's (the machine's own libvulkan1 is installed here).
    const loaders = run.opened.filter((p) => /libvulkan\.so/.test(p));
    expect(loaders.length).toBeGreaterThan(0);
    for (const p of loaders) expect(p.startsWith(run.tmp), p).toBe(true);
    expect(adapter?.loaded.some((p) => p.startsWith(run.tmp) && p.includes('libvulkan.so'))).toBe(true);

    const [model] = run.report.models;
    expect(model.tokens).toEqual({ compared: 2, identical: 2, differences: [], missing: [] });
    const ref = repoTokens(await ensureTinyModel({ preset: 'test' }), run.report.prompts);
    expect(model.runs.webgpu.outputs).toHaveLength(2);
    for (const o of model.runs.webgpu.outputs) expect(o.token_ids, String(o.id)).toEqual(ref.get(String(o.id)));
    expect((run.report.bandwidth as { gbPerS: number }).gbPerS).toBeGreaterThan(0);

    // `ipdialog bench` ran both sides on the adapter it names, with identical tokens.
    expect(run.report.steps.find((s) => s.step === 'bench:test-fp32')?.status).toBe('ok');
    const bench = BenchReportSchema.parse(model.bench);
    expect(bench.device.used).toBe('webgpu');
    expect(bench.device.probe?.adapter).toMatch(/SwiftShader/);
    expect([bench.ours.device, bench.reference.device]).toEqual(['webgpu', 'webgpu']);
    expect(bench.agreement).toMatchObject({ total: 1, identical: 1, allIdentical: true });
  }, 600_000);

  it('stops at its time limit and reports what it did', () => {
    const t0 = Date.now();
    // 20 s are kept for the report: 21 leaves the steps one second.
    const run = runBundle('limit', ['--device', 'cpu', '--prompts', '3', ...RUN_ARGS, '--time-limit', '21']);
    expect(run.status, run.stdout).toBe(3);
    expect(run.report.status).toBe('time_limit');
    expect(run.report.steps.some((s) => s.status === 'time_limit')).toBe(true);
    expect(Date.now() - t0).toBeLessThan(45_000);
  }, 120_000);

  it('refuses a device it does not measure', () => {
    const r = spawnSync('bash', [path.join(bundleDir, 'run.sh'), '--device', 'cuda', '--out', path.join(scratch, 'x')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--device must be cpu or webgpu/);
  });
});
