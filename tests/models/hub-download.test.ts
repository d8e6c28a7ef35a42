// The hub path in-process, against the loopback hub: pointing transformers.js' env.remoteHost at
// it is all the redirection a program needs; files land in transformers.js' own cache layout.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IpdError } from '../../common';
import { resolveHubModel, type DownloadProgressEvent } from '../../models/node';
import { formatProgressLine } from '../../models/hub/progress';
import { DEFAULT_COMMIT, startLoopbackHub, type LoopbackHub } from '../helpers/loopback-hub';
import { ensureTinyModel } from '../helpers/tiny-model';

const ID = 'tiny-org/tiny-llama';
const EXT_ID = 'tiny-org/tiny-llama-ext';
const FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];

let hub: LoopbackHub;
let tmp: string;
let tjsEnv: { remoteHost: string; cacheDir: string | null };
let savedHost: string;

/** Every file under a folder, relative, so tests can assert that nothing half-written stayed. */
async function listTree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

async function expectRejection(p: Promise<unknown>): Promise<IpdError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IpdError);
  return err as IpdError;
}

beforeAll(async () => {
  for (const v of ['IPDIALOG_HUB_URL', 'HF_ENDPOINT', 'HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE']) delete process.env[v];
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hub-download-'));
  const [plain, ext] = await Promise.all([ensureTinyModel({ preset: 'test' }), ensureTinyModel({ preset: 'test', externalData: true })]);
  hub = await startLoopbackHub({ repos: { [ID]: plain, [EXT_ID]: ext } });
  const tjs = await import('@huggingface/transformers');
  tjsEnv = tjs.env as unknown as typeof tjsEnv;
  savedHost = tjsEnv.remoteHost;
  tjsEnv.remoteHost = hub.url;
});

afterAll(async () => {
  if (tjsEnv) tjsEnv.remoteHost = savedHost;
  await hub?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** A fresh project cache per test: IPDIALOG_CACHE moves transformers.js' cacheDir with it. */
let cache: string;
beforeEach(async (t) => {
  cache = path.join(tmp, t.task.name.replace(/\W+/g, '-').slice(0, 60));
  process.env.IPDIALOG_CACHE = cache;
  await hub.setFaults({ 'onnx/model.onnx': null, 'tokenizer.json': null, 'generation_config.json': null });
});

describe('resolveHubModel against the loopback hub', () => {
  it('downloads into transformers.js\' cache layout, verified, and transformers.js finds it there', async () => {
    const events: DownloadProgressEvent[] = [];
    const model = await resolveHubModel(ID, { progress: (e) => events.push(e) });
    const folder = path.join(cache, 'hub', 'tiny-org', 'tiny-llama');
    expect(model).toMatchObject({ id: ID, source: 'hub', dir: folder, dtype: 'fp32', revision: DEFAULT_COMMIT, onnxPath: path.join(folder, 'onnx/model.onnx') });
    expect(await listTree(folder)).toEqual([...FILES, '.ipdialog-hub.json'].sort());
    expect(tjsEnv.cacheDir).toBe(path.join(cache, 'hub'));

    const done = events.filter((e) => e.phase === 'done');
    expect(done.map((e) => e.file).sort()).toEqual([...FILES].sort());
    const onnx = done.find((e) => e.file === 'onnx/model.onnx')!;
    expect(onnx.verified).toEqual({ size: true, sha256: true });
    expect(onnx.loaded).toBe(onnx.total);
    expect(formatProgressLine(onnx)).toMatch(/onnx\/model\.onnx {2}[\d.]+ MB \/ [\d.]+ MB {2}100\.0% {2}[\d.]+ [kMG]?B\/s {2}in [\d.]+ s {2}size ok, sha256 ok/);
    // Small files carry a git-sha1 ETag, not a sha256: checked by size only.
    expect(done.find((e) => e.file === 'config.json')!.verified).toEqual({ size: true, sha256: false });
    // Files after config.json are asked for at the commit it resolved to, never at a moving main.
    const gets = (await hub.requests()).filter((r) => r.path.includes('/resolve/'));
    expect(gets[0].path).toBe(`/${ID}/resolve/main/config.json`);
    expect(gets.slice(1).every((r) => r.path.includes(`/resolve/${DEFAULT_COMMIT}/`))).toBe(true);

    // transformers.js reads the same cache without the network.
    const { AutoTokenizer, ModelRegistry } = await import('@huggingface/transformers');
    const tok = await AutoTokenizer.from_pretrained(ID, { local_files_only: true });
    expect(tok.encode('hello').length).toBeGreaterThan(0);
    expect(await ModelRegistry.is_cached_files(ID, { dtype: 'fp32', include_processor: false } as never)).toMatchObject({ allCached: true });
  });

  it('works offline from the cache, and a complete cache needs no request even online', async () => {
    await resolveHubModel(ID, { progress: false });
    const before = (await hub.requests()).length;
    const offline = await resolveHubModel(ID, { offline: true, progress: false });
    expect(offline).toMatchObject({ source: 'hub', dtype: 'fp32', revision: DEFAULT_COMMIT });
    // Without --offline a complete cache is used as it is, too: no request at all.
    await resolveHubModel(ID, { progress: false });
    expect((await hub.requests()).length).toBe(before);
  });

  it('offline with a model that is not cached names the id and the cache folder', async () => {
    const err = await expectRejection(resolveHubModel('tiny-org/never-downloaded', { offline: true }));
    expect(err.code).toBe('MODEL_NOT_FOUND');
    expect(err.message).toContain('tiny-org/never-downloaded');
    expect(err.message).toContain(path.join(cache, 'hub', 'tiny-org', 'never-downloaded'));
    expect(err.hint).toContain(path.join(cache, 'hub'));
  });

  for (const [fault, pattern] of [
    ['missing', /HTTP 404/],
    ['truncate', /transfer broke after \d+ of \d+ bytes|received \d+ bytes, expected \d+/],
    ['corrupt', /sha256 [0-9a-f]{64} does not match the hub's [0-9a-f]{64}/],
  ] as const) {
    it(`a ${fault} onnx/model.onnx fails clearly, keeps nothing a later run would trust, and a good run then succeeds`, async () => {
      await hub.setFaults({ 'onnx/model.onnx': fault });
      const err = await expectRejection(resolveHubModel(ID, { dtype: 'fp32', progress: false }));
      const folder = path.join(cache, 'hub', 'tiny-org', 'tiny-llama');
      expect(err.message).toMatch(pattern);
      for (const part of ['onnx/model.onnx', ID, `${hub.url}${ID}/resolve/${DEFAULT_COMMIT}/onnx/model.onnx`, folder]) expect(err.message).toContain(part);
      expect(err.code).toBe(fault === 'missing' ? 'MODEL_NOT_FOUND' : 'DATA_DOWNLOAD');
      const left = await listTree(folder);
      expect(left).not.toContain('onnx/model.onnx');
      expect(left.filter((f) => f.endsWith('.partial'))).toEqual([]);

      await hub.setFaults({ 'onnx/model.onnx': null });
      const model = await resolveHubModel(ID, { progress: false });
      expect(model.onnxPath).toBe(path.join(folder, 'onnx/model.onnx'));
    });
  }

  it('--dtype auto on a repository without any graph lists what it tried', async () => {
    await hub.setFaults({ 'onnx/model.onnx': 'missing' });
    const err = await expectRejection(resolveHubModel(ID, { progress: false }));
    expect(err.message).toMatch(/no ONNX graph .*onnx\/model\.onnx \(HTTP 404\), onnx\/model_fp16\.onnx \(HTTP 404\)/);
    expect(err.hint).toContain('transformers.js layout');
  });

  it('clears temp files that killed downloads left behind', async () => {
    const onnxDir = path.join(cache, 'hub', 'tiny-org', 'tiny-llama', 'onnx');
    await mkdir(onnxDir, { recursive: true });
    // pid 2^22 + 1 is above Linux's pid_max default, so no process has it.
    const stale = path.join(onnxDir, `model.onnx.${2 ** 22 + 1}-0123abcd.partial`);
    await writeFile(stale, 'half a file');
    await resolveHubModel(ID, { progress: false });
    expect(existsSync(stale)).toBe(false);
  });

  it('a small file cut short is caught by its Content-Length', async () => {
    await hub.setFaults({ 'tokenizer.json': 'truncate' });
    const err = await expectRejection(resolveHubModel(ID, { progress: false }));
    expect(err.message).toContain('tokenizer.json');
    expect(await listTree(path.join(cache, 'hub', 'tiny-org', 'tiny-llama'))).not.toContain('tokenizer.json');
  });

  it('an optional file the hub lacks is remembered, so the cached model needs no network', async () => {
    await hub.setFaults({ 'generation_config.json': 'missing' });
    await resolveHubModel(ID, { progress: false });
    const before = (await hub.requests()).length;
    await resolveHubModel(ID, { progress: false });
    expect((await hub.requests()).length).toBe(before);
  });

  it('a cached file that changed size since it was verified is fetched again', async () => {
    const model = await resolveHubModel(ID, { progress: false });
    await truncate(model.onnxPath, 100);
    await expectRejection(resolveHubModel(ID, { offline: true, progress: false }));
    const again = await resolveHubModel(ID, { progress: false });
    expect(again.onnxPath).toBe(model.onnxPath);
    expect((await import('node:fs')).statSync(model.onnxPath).size).toBeGreaterThan(100);
  });

  it('fetches the external-data file that config.json declares, as transformers.js would', async () => {
    const model = await resolveHubModel(EXT_ID, { progress: false });
    expect(model.externalData).toEqual([path.join(model.dir, 'onnx/model.onnx_data')]);
  });

  it('a dtype the repository lacks is a 404 naming the file, with a --dtype hint', async () => {
    const err = await expectRejection(resolveHubModel(ID, { dtype: 'q4', progress: false }));
    expect(err.message).toContain('onnx/model_q4.onnx');
    expect(err.hint).toContain('--dtype');
  });

  it('an unknown repository is a 401, reported as missing, private or gated', async () => {
    const err = await expectRejection(resolveHubModel('tiny-org/nope', { progress: false }));
    expect(err.message).toMatch(/config\.json of tiny-org\/nope.*HTTP 401/);
    expect(err.hint).toMatch(/private, or is gated.*HF_TOKEN/);
  });

  it('without X-Repo-Commit the revision is the config.json ETag, and downloads stay on the requested branch', async () => {
    const bare = await startLoopbackHub({ repos: { [ID]: await ensureTinyModel({ preset: 'test' }) }, sendCommit: false });
    tjsEnv.remoteHost = bare.url;
    try {
      const model = await resolveHubModel(ID, { progress: false });
      const config = await readFile(path.join(model.dir, 'config.json'));
      const blobSha1 = createHash('sha1').update(`blob ${config.length}\0`).update(config).digest('hex');
      expect(model.revision).toBe(blobSha1);
      expect((await bare.requests()).every((r) => !r.path.includes('/resolve/') || r.path.includes('/resolve/main/'))).toBe(true);
      expect((await resolveHubModel(ID, { offline: true, progress: false })).revision).toBe(blobSha1);
    } finally {
      tjsEnv.remoteHost = hub.url;
      await bare.close();
    }
  });

  it('a corrupt cache manifest is ignored, never fatal', async () => {
    await resolveHubModel(ID, { progress: false });
    await writeFile(path.join(cache, 'hub', 'tiny-org', 'tiny-llama', '.ipdialog-hub.json'), '{not json');
    const model = await resolveHubModel(ID, { offline: true, progress: false });
    expect(model.source).toBe('hub');
  });
});
