// web/ runs in the browser: nothing it imports, directly or through other modules of this
// repository, may import a Node built-in (SPEC 2; it may use bench/runlog and bench/report,
// whose Node halves live in their node.ts). Walks the static and dynamic imports of every
// web/src module with TypeScript's own import scanner.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli';

const NODE_BUILTINS = new Set(builtinModules);

function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0]);
}

/** The .ts file a relative import names, or undefined for assets (?raw, ?url, .js, .css). */
function resolveRelative(from: string, spec: string): string | undefined {
  const bare = spec.split('?')[0];
  const base = path.resolve(path.dirname(from), bare);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Chains from `entry` to each Node built-in it reaches, e.g. "web/src/a.ts -> bench/x.ts -> node:fs". */
function nodeImportChains(entry: string, seen = new Set<string>()): string[] {
  const chains: string[] = [];
  const walk = (file: string, trail: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const here = [...trail, path.relative(REPO_ROOT, file)];
    for (const { fileName: spec } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (isNodeBuiltin(spec)) chains.push([...here, spec].join(' -> '));
      else if (spec.startsWith('.')) {
        const next = resolveRelative(file, spec);
        if (next) walk(next, here);
      }
      // npm packages are taken as published: their browser builds are the bundler's business.
    }
  };
  walk(entry, []);
  return chains;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('web/ needs no Node', () => {
  it('the walker finds a Node import through a chain of repository modules', () => {
    const chains = nodeImportChains(path.join(REPO_ROOT, 'bench/report/node.ts'));
    expect(chains).toContain('bench/report/node.ts -> bench/report/render.ts -> node:fs/promises');
    expect(chains.some((c) => c.includes('bench/runlog/node.ts -> node:fs'))).toBe(true);
  });

  it('no module of the app reaches a Node built-in, and of bench/ it uses only runlog and report', () => {
    const entries = tsFiles(path.join(REPO_ROOT, 'web/src'));
    expect(entries.length).toBeGreaterThan(10);
    const reached = new Set<string>();
    expect(entries.flatMap((e) => nodeImportChains(e, reached))).toEqual([]);
    const bench = [...reached].map((f) => path.relative(REPO_ROOT, f)).filter((f) => f.startsWith('bench/'));
    expect(bench.length).toBeGreaterThan(0);
    expect(bench.filter((f) => !/^bench\/(runlog|report)\//.test(f))).toEqual([]);
  });
});
