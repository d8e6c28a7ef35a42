// The real CLI against the loopback hub (in a child process, since runCli blocks this one):
// download with progress, generate, then run again with the hub stopped.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { spawnLoopbackHub, type LoopbackHub } from '../helpers/loopback-hub';
import { ensureTinyModel } from '../helpers/tiny-model';

const ID = 'tiny-org/tiny-llama';

let hub: LoopbackHub;
let tmp: string;
let input: string;

function cliEnv(cache: string, hubUrl: string): NodeJS.ProcessEnv {
  // Both the project cache variables point into the test folder; HF_ENDPOINT is cleared so only ours counts.
  return { IPDIALOG_CACHE: cache, XDG_CACHE_HOME: path.join(cache, 'xdg'), IPDIALOG_HUB_URL: hubUrl, HF_ENDPOINT: '', HF_HUB_OFFLINE: '', TRANSFORMERS_OFFLINE: '' };
}

function generate(cache: string, out: string, extra: string[] = [], hubUrl = hub.url) {
  return runCli(['generate', '--model', ID, '--input', input, '--out', out, '--max-new-tokens', '4', '--threads', '1', ...extra], { env: cliEnv(cache, hubUrl) });
}

async function readLines(file: string): Promise<Array<{ id: string; token_ids: number[] }>> {
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; token_ids: number[] });
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hub-cli-'));
  input = path.join(tmp, 'in.jsonl');
  await writeFile(input, `${JSON.stringify({ id: 'a', prompt: 'The capital of France is' })}\n${JSON.stringify({ id: 'b', prompt: 'Hi' })}\n`);
  hub = await spawnLoopbackHub({ repos: { [ID]: await ensureTinyModel({ preset: 'test' }) } });
});

afterAll(async () => {
  await hub?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** The second and third runs: --offline, then plain, both against a hub URL nobody listens on. */
async function runOffline(cache: string, deadUrl: string, firstLines: unknown): Promise<void> {
  const offline = generate(cache, path.join(tmp, 'offline.jsonl'), ['--offline'], deadUrl);
  expect(offline.status, offline.stderr).toBe(0);
  expect(offline.stderr).not.toContain('downloading');
  expect(await readLines(path.join(tmp, 'offline.jsonl'))).toEqual(firstLines);
  // Without --offline, a complete cache needs no network either.
  const noNetwork = generate(cache, path.join(tmp, 'no-network.jsonl'), [], deadUrl);
  expect(noNetwork.status, noNetwork.stderr).toBe(0);
}

describe('ipdialog generate --model org/name through the loopback hub', () => {
  it('downloads with progress, generates, then runs from the cache with the hub stopped', async () => {
    const cache = path.join(tmp, 'cache-ok');
    const first = generate(cache, path.join(tmp, 'first.jsonl'));
    expect(first.status, first.stderr).toBe(0);
    const folder = path.join(cache, 'hub', 'tiny-org', 'tiny-llama');
    expect(first.stderr).toContain(`downloading ${ID} (revision ${hub.commit}) from ${hub.url} into ${folder}`);
    expect(first.stderr).toMatch(/ {2}onnx\/model\.onnx {2}[\d.]+ MB \/ [\d.]+ MB {2}100\.0% {2}[\d.]+ [kMG]?B\/s {2}in [\d.]+ s {2}size ok, sha256 ok/);
    expect(first.stderr).toMatch(/downloaded 5 file\(s\), [\d.]+ MB, of tiny-org\/tiny-llama/);
    const firstLines = await readLines(path.join(tmp, 'first.jsonl'));
    expect(firstLines.map((l) => l.id).sort()).toEqual(['a', 'b']);
    expect(firstLines.every((l) => l.token_ids.length > 0)).toBe(true);

    // The hub's URL on a closed port: any network use would fail.
    const deadUrl = hub.url;
    await hub.close();
    try {
      await runOffline(cache, deadUrl, firstLines);
    } finally {
      hub = await spawnLoopbackHub({ repos: { [ID]: await ensureTinyModel({ preset: 'test' }) } });
    }
  });


  it('404, truncated and checksum-mismatched downloads fail naming the file and leave nothing trusted; a good run then succeeds', async () => {
    const cache = path.join(tmp, 'cache-faults');
    const folder = path.join(cache, 'hub', 'tiny-org', 'tiny-llama');
    for (const [fault, pattern] of [
      ['missing', /HTTP 404/],
      ['truncate', /transfer broke after \d+ of \d+ bytes|received \d+ bytes, expected \d+/],
      ['corrupt', /sha256 [0-9a-f]{64} does not match the hub's [0-9a-f]{64}/],
    ] as const) {
      await hub.setFaults({ 'onnx/model.onnx': fault });
      const r = generate(cache, path.join(tmp, `${fault}.jsonl`), ['--dtype', 'fp32']);
      expect(r.status, `${fault}: ${r.stderr}`).not.toBe(0);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).toContain(`cannot download onnx/model.onnx of ${ID} from ${hub.url}${ID}/resolve/`);
      expect(r.stderr).toContain(folder);
      const left = await filesUnder(folder);
      expect(left, fault).not.toContain(path.join('onnx', 'model.onnx'));
      expect(left.filter((f) => f.endsWith('.partial')), fault).toEqual([]);
      expect(existsSync(path.join(tmp, `${fault}.jsonl`)) ? (await readFile(path.join(tmp, `${fault}.jsonl`), 'utf8')).trim() : '').toBe('');
    }
    await hub.setFaults({ 'onnx/model.onnx': null });
    const good = generate(cache, path.join(tmp, 'after-faults.jsonl'));
    expect(good.status, good.stderr).toBe(0);
    expect((await readLines(path.join(tmp, 'after-faults.jsonl'))).length).toBe(2);
  });

  it('--offline with a model that is not in the cache names the id and the cache folder', () => {
    const cache = path.join(tmp, 'cache-empty');
    const r = runCli(['generate', '--model', 'tiny-org/not-cached', '--input', input, '--out', path.join(tmp, 'nc.jsonl'), '--offline'], { env: cliEnv(cache, hub.url) });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error MODEL_NOT_FOUND: tiny-org\/not-cached is not in the cache \(offline by --offline\)/);
    expect(r.stderr).toContain(path.join(cache, 'hub', 'tiny-org', 'not-cached'));
  });
});

describe('ipdialog models', () => {
  it('prints the registry as a table and as JSON', () => {
    const env = { IPDIALOG_CACHE: path.join(tmp, 'cache-models') };
    const table = runCli(['models'], { env });
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^model +dtype +params +context +download +cached +verified/);
    for (const id of ['onnx-community/Qwen2.5-0.5B-Instruct', 'onnx-community/Llama-3.2-1B-Instruct', 'HuggingFaceTB/SmolLM2-360M-Instruct', 'onnx-community/Phi-3.5-mini-instruct-onnx-web']) {
      expect(table.stdout).toContain(id);
    }
    expect(table.stdout).toContain('unverified here (no network)');
    expect(table.stdout).toContain('verified in tests');

    const json = runCli(['models', '--json'], { env });
    const rows = JSON.parse(json.stdout) as Array<{ id: string; kind: string; cached: boolean; folder?: string; contextLength: number }>;
    const qwen = rows.find((r) => r.id === 'onnx-community/Qwen2.5-0.5B-Instruct')!;
    expect(qwen).toMatchObject({ kind: 'hub', cached: false, contextLength: 32768, folder: path.join(tmp, 'cache-models', 'hub', 'onnx-community', 'Qwen2.5-0.5B-Instruct') });
  });
});
