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
import { PROGRESS_LINE, type MeasuredConfig } from './measured-process';

/** The CLI entry the worker runs through: this process's own script when it is the CLI (bundles), else bin/ipdialog.mjs. */
export function cliEntry(): string {
  const self = process.argv[1] ?? '';
  if (/ipdialog(\.[cm]?js)?$/.test(self)) return self;
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/ipdialog.mjs');
}

/** Requests done (as the process reported them) and the milliseconds since spawn at each report. */
export type Progress = Array<{ numDone: number; ms: number }>;

export type Measured<T> = { wallMs: number; progress: Progress } & ({ result: T; stopped?: false } | { stopped: true; stopReason: string });

export interface MeasureOptions {
  /** Checked on every progress report and every half second: a reason kills the process. */
  stopIf?: (elapsedMs: number, numDone: number) => string | undefined;
  onStderr?: (s: string) => void;
}

export async function spawnMeasured<T>(cfg: Omit<MeasuredConfig, 'outFile'>, opts: MeasureOptions = {}): Promise<Measured<T>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ipd-measure-'));
  const outFile = path.join(dir, 'result.json');
  const cfgFile = path.join(dir, 'config.json');
  writeFileSync(cfgFile, JSON.stringify({ ...cfg, outFile }));
  const t0 = performance.now();
  const progress: Progress = [];
  try {
    return await new Promise<Measured<T>>((resolve, reject) => {
      const child = spawn(process.execPath, [cliEntry(), 'bench-worker', cfgFile], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...MALLOC_ENV } });
      let stderr = '';
      let partial = '';
      let stopReason: string | undefined;
      const stop = (reason: string) => {
        if (stopReason) return;
        stopReason = reason;
        child.kill('SIGKILL');
      };
      const check = () => {
        const reason = opts.stopIf?.(performance.now() - t0, progress.at(-1)?.numDone ?? 0);
        if (reason) stop(reason);
      };
      child.stderr.on('data', (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith(PROGRESS_LINE)) {
            if (stopReason) continue; // what it did after the stop does not count
            progress.push({ numDone: Number(line.slice(PROGRESS_LINE.length)), ms: performance.now() - t0 });
            check();
            continue;
          }
          stderr += `${line}\n`;
          opts.onStderr?.(`${line}\n`);
        }
      });
      const poll = opts.stopIf ? setInterval(check, 500) : undefined;
      child.on('close', (code) => {
        if (poll) clearInterval(poll);
        const wallMs = performance.now() - t0;
        if (stopReason) return resolve({ wallMs, progress, stopped: true, stopReason });
        stderr += partial;
        if (code !== 0) return reject(new IpdError('GENERATION_FAILED', `${cfg.impl} (${cfg.dtype}, ${cfg.device}) failed with exit code ${code}: ${stderr.trim().split('\n').slice(-6).join('\n')}`));
        resolve({ wallMs, progress, result: JSON.parse(readFileSync(outFile, 'utf8')) as T });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
