// `ipdialog bench --device webgpu` through SwiftShader, a software Vulkan adapter (Debian
// chromium's). It is slow (seconds per token even for the `test` preset), so the runs are
// short: one item's first two pathways, two tokens each. The `bench` preset takes about 20
// minutes there; it runs only with IPDIALOG_SLOW_WEBGPU=1.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchReport } from '../../bench/perf/verify';
import { runCli } from '../helpers/cli';
import { referencePath } from '../helpers/reference';
import { ensureTinyModel } from '../helpers/tiny-model';

const DATA = referencePath('filtered_data_test_1000.jsonl');
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const runnable = (existsSync(DATA) && existsSync(SWIFTSHADER)) || process.env.CI === 'true';
const describeWebGpu = runnable ? describe : describe.skip;
const itSlow = process.env.IPDIALOG_SLOW_WEBGPU === '1' ? it : it.skip;

let tmp: string;
let env: NodeJS.ProcessEnv;

function bench(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const out = path.join(tmp, `report-${Math.random().toString(36).slice(2)}.json`);
  const r = runCli(['bench', '--data', DATA, '--threads', '2', '--out', out, ...args], { env: { ...env, ...extraEnv }, timeout: 3_000_000 });
  return { ...r, report: existsSync(out) ? parseBenchReport(readFileSync(out, 'utf8'), out) : undefined };
}

beforeAll(() => {
  if (!existsSync(DATA) || !existsSync(SWIFTSHADER)) throw new Error(`CI needs ${DATA} and ${SWIFTSHADER} (scripts/install-system-deps.sh)`);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ipd-bench-webgpu-'));
  const runtime = path.join(tmp, 'xdg-runtime');
  mkdirSync(runtime, { mode: 0o700 });
  env = { VK_ICD_FILENAMES: SWIFTSHADER, XDG_RUNTIME_DIR: runtime };
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const SHORT = ['--requests', '2', '--max-new-tokens', '2'];

describeWebGpu('ipdialog bench --device webgpu (SwiftShader)', () => {
  it('test preset: both sides on the adapter it names, identical greedy tokens, equal to the CPU\'s', async () => {
    const model = await ensureTinyModel({ preset: 'test', numLogitsToKeep: true });
    const r = bench(['--model', model, '--device', 'webgpu', ...SHORT]);
    expect(r.status, r.stderr).toBe(0);
    const w = r.report!;
    expect(w.device.used).toBe('webgpu');
    expect(w.device.probe).toMatchObject({ ok: true, adapter: expect.stringMatching(/SwiftShader/), driver: expect.stringMatching(/libvk_swiftshader\.so$/) });
    expect(w.device.probe!.icdManifests).toEqual([SWIFTSHADER]);
    expect(w.ours.device).toBe('webgpu');
    expect(w.reference.device).toBe('webgpu');
    expect(w.agreement).toMatchObject({ total: 2, identical: 2, allIdentical: true });
    expect(r.stdout).toMatch(/^device: webgpu \(onnxruntime-node WebGPU provider\); adapter SwiftShader Device/m);
    expect(r.stdout).toMatch(/^identical greedy tokens +2\/2 requests +identical for every request$/m);
    // No bandwidth given on a GPU: no bound, not a guessed one.
    expect(w.batch1.bound).toBeNull();
    expect(r.stdout).toMatch(/^batch-1 decode, tokens\/s .* bound omitted: pass --bandwidth-gbs/m);

    // The same requests on the CPU give the same tokens.
    const cpu = bench(['--model', model, '--device', 'cpu', ...SHORT]);
    expect(cpu.status, cpu.stderr).toBe(0);
    expect(w.agreement.requests.map((q) => [q.id, q.tokens.ours])).toEqual(cpu.report!.agreement.requests.map((q) => [q.id, q.tokens.ours]));
  }, 900_000);

  it('with --bandwidth-gbs the batch-1 decode is compared with that bound', async () => {
    const model = await ensureTinyModel({ preset: 'test', numLogitsToKeep: true });
    const r = bench(['--model', model, '--device', 'webgpu', '--requests', '1', '--max-new-tokens', '1', '--bandwidth-gbs', '50']);
    expect(r.status, r.stderr).toBe(0);
    const b = r.report!.batch1;
    // 50 GB/s over the bytes of weights each token reads.
    expect(b.bound).toMatchObject({ gbPerS: 50, source: '--bandwidth-gbs' });
    expect(b.bound!.tokensPerS).toBeCloseTo(50e9 / r.report!.model.weightBytesPerToken, 6);
    expect(r.stdout).toMatch(/of the bound .* at 50\.0 GB\/s, from --bandwidth-gbs\)$/m);
  }, 900_000);

  it('without a Vulkan driver: says why no adapter could be used, before measuring anything', async () => {
    const model = await ensureTinyModel({ preset: 'test', numLogitsToKeep: true });
    const r = bench(['--model', model, '--device', 'webgpu'], { VK_ICD_FILENAMES: path.join(tmp, 'no-such-icd.json'), VK_DRIVER_FILES: path.join(tmp, 'no-such-icd.json') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error DEVICE_UNAVAILABLE: --device webgpu: onnxruntime-node cannot run on the webgpu provider here: .+; Vulkan devices: none/);
    expect(r.stderr).toMatch(/Hint: WebGPU needs a Vulkan driver/);
    expect(r.report).toBeUndefined();
  }, 300_000);

  itSlow('bench preset: identical greedy tokens (one request, one token; about 20 minutes)', async () => {
    const model = await ensureTinyModel({ preset: 'bench', numLogitsToKeep: true });
    const r = bench(['--model', model, '--device', 'webgpu', '--requests', '1', '--max-new-tokens', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.report!.device.used).toBe('webgpu');
    expect(r.report!.agreement).toMatchObject({ total: 1, identical: 1, allIdentical: true });
  }, 3_000_000);
});
