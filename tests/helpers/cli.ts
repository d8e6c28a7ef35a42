import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(REPO_ROOT, 'bin/ipdialog.mjs');

/** Runs the real `ipdialog` binary and returns its exit code and output. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    input: opts.input,
    timeout: opts.timeout ?? 300_000,
    maxBuffer: 256 * 1024 * 1024,
  });
}

export interface AsyncCliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ipdialog` without blocking this process's event loop (for servers living in the
 * test process). `control.kill()` ends the child with SIGKILL, as a crash would.
 */
export function runCliAsync(
  args: string[],
  control: { kill?: () => void; onStderr?: (text: string) => void } = {},
  timeoutMs = 240_000,
  env: NodeJS.ProcessEnv = {},
): Promise<AsyncCliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      control.onStderr?.(d.toString());
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    control.kill = () => child.kill('SIGKILL');
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
