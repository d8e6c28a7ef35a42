// The prebuilt CLI (bin/cli-build.mjs) must behave as the TypeScript it was built from, and
// must never be run once a source it holds is newer than it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without types (it runs before anything is built)
import { buildCli, freshBuild } from '../../bin/cli-build.mjs';
import { itWithReference, referencePath } from '../helpers/reference';
import { ensureTinyModel } from '../helpers/tiny-model';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Inside the repository (its node_modules must resolve from the built files), in ignored .cache/.
const DIR = path.join(ROOT, '.cache', `cli-build-test-${process.pid}`);
const SCRATCH = path.join(DIR, 'scratch');

const run = (entry: string, args: string[]) => spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
const fromSources = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/cli/main.ts'), ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });

describe('prebuilt CLI', () => {
  let built: string;
  beforeAll(async () => {
    rmSync(DIR, { recursive: true, force: true });
    await buildCli(DIR, ROOT);
    built = fileURLToPath(freshBuild('ipdialog', DIR, ROOT)!);
  }, 120_000);
  afterAll(() => rmSync(DIR, { recursive: true, force: true }));

  it('is used while fresh, and not once a source is newer, missing, or the checkout moved', () => {
    const manifestFile = path.join(DIR, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    expect(manifest.inputs).toContain('engine/engine-core.ts');
    expect(freshBuild('worker-main', DIR, ROOT)).toMatch(/worker-main\.mjs$/);
    expect(freshBuild('no-such-entry', DIR, ROOT)).toBeUndefined();
    expect(freshBuild('ipdialog', DIR, path.join(ROOT, 'elsewhere'))).toBeUndefined();

    // A source edited after the build (a scratch file listed as one of its inputs).
    mkdirSync(SCRATCH, { recursive: true });
    const source = path.join(SCRATCH, 'edited.ts');
    writeFileSync(source, 'export {};\n');
    const rel = path.relative(ROOT, source);
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, inputs: [...manifest.inputs, rel] }));
    utimesSync(source, new Date(), new Date(manifest.builtAtMs - 60_000));
    expect(freshBuild('ipdialog', DIR, ROOT)).toBeDefined();
    utimesSync(source, new Date(), new Date(manifest.builtAtMs + 1_000));
    expect(freshBuild('ipdialog', DIR, ROOT)).toBeUndefined();
    rmSync(source);
    expect(freshBuild('ipdialog', DIR, ROOT)).toBeUndefined();
    writeFileSync(manifestFile, JSON.stringify(manifest));
    expect(freshBuild('ipdialog', DIR, ROOT)).toBeDefined();
  });

  itWithReference('prints the same prompts as the TypeScript sources', ['filtered_data_test_1000.jsonl'], () => {
    const args = ['prompts', '--pathway', 'all', '--data', referencePath('filtered_data_test_1000.jsonl'), '--per-task', '1'];
    const a = run(built, args);
    const b = fromSources(args);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(a.stdout.length).toBeGreaterThan(1000);
    expect(a.stdout).toBe(b.stdout);
  }, 300_000);

  it('generates the tokens the sources give', async () => {
    const model = await ensureTinyModel();
    mkdirSync(SCRATCH, { recursive: true });
    const input = path.join(SCRATCH, 'in.jsonl');
    writeFileSync(input, `${JSON.stringify({ id: 'a', prompt: 'The harvest is' })}\n${JSON.stringify({ id: 'b', prompt: 'Rain is coming' })}\n`);
    const outputs = (fromBuild: boolean, name: string) => {
      const out = path.join(SCRATCH, name);
      const args = ['generate', '--model', model, '--input', input, '--out', out, '--raw', '--max-new-tokens', '6', '--threads', '2'];
      const res = fromBuild ? run(built, args) : fromSources(args);
      expect(res.status, res.stderr).toBe(0);
      return readFileSync(out, 'utf8').trim().split('\n').map((l) => (({ id, token_ids }) => ({ id, token_ids }))(JSON.parse(l)));
    };
    const a = outputs(true, 'built.jsonl');
    expect(a.map((r) => r.token_ids.length)).toEqual([6, 6]);
    expect(a).toEqual(outputs(false, 'sources.jsonl'));
  }, 300_000);
});
