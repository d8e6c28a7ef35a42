// The real binaries: `ipdialog serve` as a process, `ipdialog generate --backend openai`
// against it, and what SIGTERM does to in-flight requests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli';
import { ensureTinyModel } from '../helpers/tiny-model';

let modelDir: string;
let work: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  modelDir = await ensureTinyModel({ preset: 'test' });
  work = mkdtempSync(path.join(tmpdir(), 'ipd-serve-'));
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `ipdialog serve --port 0` and resolves with the URL it prints. */
function serve(args: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--model', modelDir, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /serving .* at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], stderr: () => err, exited });
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${err}`)));
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const readOut = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; text: string; finish_reason: string });

describe('ipdialog serve (process)', () => {
  // Stands in for the issue's `ipdialog run` parity check until `run` exists: same input,
  // same greedy text in-process and through the client backend.
  it('gives generate --backend openai the same greedy text as in-process generate', async () => {
    const s = await serve();
    try {
      const input = path.join(work, 'in.jsonl');
      const lines = [
        { id: 'a', prompt: 'What should I cook tonight?' },
        { id: 'b', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Plan a weekend trip.' }] },
        { id: 'c', prompt: 'Recommend a book for a retired farmer.', max_new_tokens: 5 },
      ];
      writeFileSync(input, lines.map((l) => JSON.stringify(l)).join('\n'));
      const common = ['generate', '--input', input, '--max-new-tokens', '12'];
      const local = runCli([...common, '--out', path.join(work, 'local.jsonl'), '--model', modelDir]);
      expect(local.status, local.stderr).toBe(0);
      const remote = runCli([...common, '--out', path.join(work, 'remote.jsonl'), '--backend', 'openai', '--base-url', s.url]);
      expect(remote.status, remote.stderr).toBe(0);
      const strip = (rows: ReturnType<typeof readOut>) => rows.map(({ id, text, finish_reason }) => ({ id, text, finish_reason }));
      const want = strip(readOut(path.join(work, 'local.jsonl')));
      expect(want.every((r) => r.text.length > 0)).toBe(true);
      expect(strip(readOut(path.join(work, 'remote.jsonl')))).toEqual(want);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('on SIGTERM cancels what outlives the grace period and exits 0', async () => {
    const s = await serve(['--grace-period', '0.5']);
    const res = await fetch(`${s.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'go on' }], max_tokens: 6000, stream: true }),
    });
    const reader = res.body!.getReader();
    let events = new TextDecoder().decode((await reader.read()).value);
    s.child.kill('SIGTERM');
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      events += new TextDecoder().decode(value);
    }
    expect(events).toMatch(/"error":\{"message":"the server is shutting down/);
    expect(events.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toContain('stopped: 0 finished, 1 cancelled');
  });

  it('refuses to listen beyond loopback without --api-key or --no-auth, before loading the model', () => {
    // A model that does not exist: the refusal must come first.
    const missing = path.join(work, 'no-such-model');
    const r = runCli(['serve', '--model', missing, '--host', '0.0.0.0', '--port', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--host 0.0.0.0 exposes the server to other machines, and no --api-key is set');
    expect(r.stderr).toMatch(/--no-auth/);
  });

  it('serves beyond loopback with --no-auth, saying what that means', async () => {
    const s = await serve(['--host', '0.0.0.0', '--no-auth']);
    try {
      await expect.poll(() => s.stderr()).toMatch(/warning: --no-auth: anyone who can reach 0\.0\.0\.0:\d+ can use this server without a key/);
      const port = new URL(s.url).port;
      const res = await fetch(`http://127.0.0.1:${port}/v1/models`);
      expect(res.status).toBe(200);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('makes the client backend fail clearly when nothing listens', async () => {
    const input = path.join(work, 'one.jsonl');
    writeFileSync(input, '{"id": 1, "prompt": "hi"}\n');
    const url = `http://127.0.0.1:${await freePort()}/v1`;
    const r = runCli(['generate', '--input', input, '--out', path.join(work, 'none.jsonl'), '--backend', 'openai', '--base-url', url]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot reach the server at ${url} (ECONNREFUSED)`);
  });
});
