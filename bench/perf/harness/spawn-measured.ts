// Runs one measured process (`ipdialog bench-worker CONFIG`) and reads back its result. Both
// sides get the same environment: the glibc malloc settings the engine host runs with, and
// the same thread count (in the config).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpdError } from '../../../common';
import { MALLOC_ENV } from '../../../engine/node';
import type { MeasuredConfig } from './measured-process';

/** The CLI entry the worker runs through: this process's own script when it is the CLI (bundles), else bin/ipdialog.mjs. */
export function cliEntry(): string {
  const self = process.argv[1] ?? '';
  if (/ipdialog(\.[cm]?js)?$/.test(self)) return self;
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/ipdialog.mjs');
}

export type Measured<T> = { wallMs: number; result: T; timedOut?: false } | { wallMs: number; timedOut: true };

export async function spawnMeasured<T>(cfg: Omit<MeasuredConfig, 'outFile'>, opts: { timeoutMs?: number; onStderr?: (s: string) => void } = {}): Promise<Measured<T>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ipd-measure-'));
  const outFile = path.join(dir, 'result.json');
  const cfgFile = path.join(dir, 'config.json');
  writeFileSync(cfgFile, JSON.stringify({ ...cfg, outFile }));
  const t0 = performance.now();
  try {
    return await new Promise<Measured<T>>((resolve, reject) => {
      const child = spawn(process.execPath, [cliEntry(), 'bench-worker', cfgFile], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...MALLOC_ENV } });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        opts.onStderr?.(d.toString());
      });
      let timedOut = false;
      const timer = opts.timeoutMs ? setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), opts.timeoutMs) : undefined;
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        const wallMs = performance.now() - t0;
        if (timedOut) return resolve({ wallMs, timedOut: true });
        if (code !== 0) return reject(new IpdError('GENERATION_FAILED', `${cfg.impl} (${cfg.dtype}, ${cfg.device}) failed with exit code ${code}: ${stderr.trim().split('\n').slice(-6).join('\n')}`));
        resolve({ wallMs, result: JSON.parse(readFileSync(outFile, 'utf8')) as T });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
