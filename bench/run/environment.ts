import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunRecord } from '../runlog';

const require = createRequire(import.meta.url);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function gitRev(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
}

export function environment(engine: string, device: string, commandLine?: string): RunRecord['environment'] {
  return {
    engine,
    device,
    packages: {
      'ip-dialog': (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version,
      'onnxruntime-node': version('onnxruntime-node'),
      '@huggingface/transformers': version('@huggingface/transformers'),
    },
    git_rev: gitRev(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()} (${os.availableParallelism()} cores)`,
    ...(commandLine && { command_line: commandLine }),
  };
}
