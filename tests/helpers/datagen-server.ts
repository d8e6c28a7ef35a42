/**
 * A fake OpenAI-compatible server on loopback for datagen tests: /v1/models and
 * /v1/chat/completions, answering each prompt with the datagen responder. It records the
 * prompts it saw, and can call a hook on every request (to kill a client mid-run).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promptKind, respond, type PromptKind, type ResponderOptions } from './datagen-responder';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/ipdialog.mjs');

export interface FakeServer {
  baseUrl: string;
  seen: Array<{ kind: PromptKind; prompt: string }>;
  onRequest?: (count: number) => void;
  close(): Promise<void>;
}

export async function startFakeServer(opts: ResponderOptions = {}): Promise<FakeServer> {
  const state: FakeServer = { baseUrl: '', seen: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-datagen', object: 'model' }] }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: Array<{ content: string }> };
      const prompt = body.messages.map((m) => m.content).join('\n');
      state.seen.push({ kind: promptKind(prompt), prompt });
      state.onRequest?.(state.seen.length);
      const text = respond(prompt, opts);
      res.end(
        JSON.stringify({
          id: `c${state.seen.length}`,
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: { prompt_tokens: prompt.length >> 2, completion_tokens: text.length >> 2 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

export interface AsyncCliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ipdialog` without blocking this process's event loop (the fake server lives here).
 * `control.kill()` ends the child with SIGKILL, as a crash would.
 */
export function runCliAsync(args: string[], control: { kill?: () => void } = {}, timeoutMs = 240_000): Promise<AsyncCliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    control.kill = () => child.kill('SIGKILL');
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
