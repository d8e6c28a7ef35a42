// A Hugging Face hub of our own on 127.0.0.1, laid out and answering like the real one:
//   HEAD|GET /{org}/{name}/resolve/{main|commit}/{path}
// Small files answer 200 with Content-Length, a git-sha1 ETag and X-Repo-Commit. LFS files
// (*.onnx, *.onnx_data*) answer 302 to a "CDN" path with X-Linked-Etag (their sha256),
// X-Linked-Size and X-Repo-Commit, as huggingface.co does; unknown repos answer 401.
// Faults per file simulate what goes wrong in the wild: a 404, a body cut short after its
// Content-Length was promised, or bytes that differ from the announced sha256.
//
// runCli blocks the test process (spawnSync), so CLI tests run the hub in a child process
// (spawnLoopbackHub) and steer it over HTTP (/_control); unit tests can run it in-process.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type HubFault = 'missing' | 'truncate' | 'corrupt';

export interface LoopbackHubOptions {
  /** Hub id -> local model folder served as that repo. */
  repos: Record<string, string>;
  /** The commit every repo is at (40 hex). */
  commit?: string;
  /** false: answer without X-Repo-Commit, as some mirrors do. */
  sendCommit?: boolean;
}

export interface HubRequest {
  method: string;
  path: string;
}

export interface LoopbackHub {
  /** Base URL, e.g. http://127.0.0.1:41234/ (what env.remoteHost / IPDIALOG_HUB_URL take). */
  url: string;
  commit: string;
  /** Faults by file path inside the repo (e.g. onnx/model.onnx); null clears one. */
  setFaults(faults: Record<string, HubFault | null>): Promise<void>;
  requests(): Promise<HubRequest[]>;
  close(): Promise<void>;
}

export const DEFAULT_COMMIT = 'c0ffee0000000000000000000000000000000001';
const LFS = /\.onnx(_data(_\d+)?)?$/;

interface FileMeta {
  size: number;
  sha256: string;
  gitSha1: string;
}

class HubState {
  readonly faults = new Map<string, HubFault>();
  readonly log: HubRequest[] = [];
  private readonly meta = new Map<string, Promise<FileMeta>>();
  constructor(
    readonly repos: Record<string, string>,
    readonly commit: string,
    readonly sendCommit: boolean,
  ) {}

  commitHeader(): Record<string, string> {
    return this.sendCommit ? { 'X-Repo-Commit': this.commit } : {};
  }

  fileMeta(abs: string): Promise<FileMeta> {
    let p = this.meta.get(abs);
    if (!p) {
      p = readFile(abs).then((bytes) => ({
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        gitSha1: createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'),
      }));
      this.meta.set(abs, p);
    }
    return p;
  }
}

function localFile(state: HubState, repo: string, file: string): string | undefined {
  const root = state.repos[repo];
  if (!root) return undefined;
  const abs = path.resolve(root, file);
  if (!abs.startsWith(path.resolve(root) + path.sep)) return undefined;
  return existsSync(abs) && statSync(abs).isFile() ? abs : undefined;
}

/** Sends a file's bytes, applying a fault: cut short, or one byte flipped. */
async function sendBytes(res: http.ServerResponse, method: string, abs: string, fault: HubFault | undefined, headers: Record<string, string>): Promise<void> {
  const bytes = await readFile(abs);
  res.writeHead(200, { 'Content-Length': String(bytes.length), 'Content-Type': 'application/octet-stream', ...headers });
  if (method === 'HEAD') return void res.end();
  if (fault === 'truncate') {
    // Promise the whole length, deliver half, drop the connection: what a dying proxy does.
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
    return;
  }
  if (fault === 'corrupt') {
    const bad = Buffer.from(bytes);
    bad[bad.length >> 1] ^= 0xff;
    return void res.end(bad);
  }
  res.end(bytes);
}

function notFound(res: http.ServerResponse, code: string, message: string, status = 404): void {
  res.writeHead(status, { 'X-Error-Code': code, 'X-Error-Message': message, 'Content-Type': 'text/plain' });
  res.end(message);
}

async function handle(state: HubState, base: () => string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  if (url.pathname === '/_control') {
    if (method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const { faults = {} } = JSON.parse(body || '{}') as { faults?: Record<string, HubFault | null> };
      for (const [file, fault] of Object.entries(faults)) {
        if (fault) state.faults.set(file, fault);
        else state.faults.delete(file);
      }
    }
    // The test process blocks in spawnSync between control calls, longer than keep-alive lasts:
    // a reused, server-closed socket would fail the next POST, so control connections never linger.
    res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
    return void res.end(JSON.stringify({ requests: state.log }));
  }
  state.log.push({ method, path: decodeURIComponent(url.pathname) });

  const cdn = url.pathname.match(/^\/_cdn\/([^/]+\/[^/]+)\/(.+)$/);
  if (cdn) {
    const [, repo, file] = cdn.map(decodeURIComponent);
    const abs = localFile(state, repo, file);
    if (!abs) return notFound(res, 'EntryNotFound', `${file} not found`);
    // A CDN's own ETag is no sha256: only the hub's X-Linked-Etag is.
    return sendBytes(res, method, abs, state.faults.get(file), { ETag: `"${(await state.fileMeta(abs)).gitSha1.slice(0, 32)}"` });
  }

  const m = url.pathname.match(/^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
  if (!m) return notFound(res, 'NotFound', 'not a hub path');
  const [, repo, revision, file] = m.map(decodeURIComponent);
  if (!state.repos[repo]) return notFound(res, 'RepoNotFound', `Repository not found: ${repo}`, 401);
  if (revision !== 'main' && revision !== state.commit) return notFound(res, 'RevisionNotFound', `Invalid rev id: ${revision}`);
  const abs = localFile(state, repo, file);
  const fault = state.faults.get(file);
  if (!abs || fault === 'missing') return notFound(res, 'EntryNotFound', `Entry not found: ${file}`);
  const meta = await state.fileMeta(abs);
  if (LFS.test(file)) {
    res.writeHead(302, {
      Location: `${base()}_cdn/${repo}/${file}`,
      ...state.commitHeader(),
      'X-Linked-Etag': `"${meta.sha256}"`,
      'X-Linked-Size': String(meta.size),
      ETag: `"${meta.sha256}"`,
      'Content-Length': '0',
    });
    return void res.end();
  }
  return sendBytes(res, method, abs, fault, { ETag: `"${meta.gitSha1}"`, ...state.commitHeader() });
}

/** Runs the hub in this process (for tests that do not block the event loop). */
export async function startLoopbackHub(opts: LoopbackHubOptions): Promise<LoopbackHub> {
  const state = new HubState(opts.repos, opts.commit ?? DEFAULT_COMMIT, opts.sendCommit ?? true);
  let base = '';
  const server = http.createServer((req, res) => {
    handle(state, () => base, req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url: base,
    commit: state.commit,
    async setFaults(faults) {
      for (const [file, fault] of Object.entries(faults)) {
        if (fault) state.faults.set(file, fault);
        else state.faults.delete(file);
      }
    },
    requests: async () => [...state.log],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const HERE = fileURLToPath(import.meta.url);

/** Runs the hub in a child process, so tests may block on spawnSync (runCli) while it serves. */
export async function spawnLoopbackHub(opts: LoopbackHubOptions): Promise<LoopbackHub> {
  // stdin stays open as a lifeline: when the test process dies, the hub sees EOF and exits.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', HERE, JSON.stringify(opts)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`loopback hub exited with ${code} before listening`)));
  });
  // Neither the child nor its pipes may keep a finished test process alive.
  child.unref();
  for (const s of [child.stdin, child.stdout]) (s as unknown as { unref?: () => void } | null)?.unref?.();
  const control = async (body?: unknown) =>
    (await (await fetch(`${url}_control`, body ? { method: 'POST', body: JSON.stringify(body) } : undefined)).json()) as { requests: HubRequest[] };
  return {
    url,
    commit: opts.commit ?? DEFAULT_COMMIT,
    setFaults: async (faults) => void (await control({ faults })),
    requests: async () => (await control()).requests,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

// Child-process entry: `node --import tsx loopback-hub.ts '<options json>'` prints {"url"} and serves.
if (process.argv[1] && path.resolve(process.argv[1]) === HERE) {
  const hub = await startLoopbackHub(JSON.parse(process.argv[2] ?? '{"repos":{}}') as LoopbackHubOptions);
  process.stdout.write(`${JSON.stringify({ url: hub.url })}\n`);
  const stop = () => void hub.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop).resume();
}
