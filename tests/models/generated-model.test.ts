// `--model tiny`: the random-weight test model is made on first use into the cache folder (not
// the source tree) and reused afterwards, so the offline quick start is one command.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { ensureTinyModel } from '../helpers/tiny-model';

describe('--model tiny', () => {
  let cache: string;
  let input: string;
  beforeAll(async () => {
    cache = await mkdtemp(path.join(os.tmpdir(), 'ipd-cache-'));
    input = path.join(cache, 'in.jsonl');
    await writeFile(input, `${JSON.stringify({ id: 'a', prompt: 'Hello there' })}\n`);
  });
  afterAll(async () => rm(cache, { recursive: true, force: true }));

  const generate = (out: string, model = 'tiny') =>
    runCli(['generate', '--model', model, '--input', input, '--out', path.join(cache, out), '--max-new-tokens', '4', '--threads', '2'], { env: { IPDIALOG_CACHE: cache } });

  it('builds the test-preset model once into $IPDIALOG_CACHE/models, then reuses it', async () => {
    const first = generate('first.jsonl');
    expect(first.status, first.stderr).toBe(0);
    const built = /creating the random-weight model tiny in (\S+) \(once/.exec(first.stderr)?.[1];
    expect(built && path.dirname(built)).toBe(path.join(cache, 'models'));
    expect(readdirSync(path.join(cache, 'models')).filter((e) => e.startsWith('.tmp-'))).toEqual([]);
    // The same bytes as the suites' test model with the same options.
    const reference = await ensureTinyModel({ preset: 'test' });
    expect((await readFile(path.join(built!, 'onnx/model.onnx'))).equals(await readFile(path.join(reference, 'onnx/model.onnx')))).toBe(true);

    const second = generate('second.jsonl');
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/creating/);
    const line = (f: string) => JSON.parse(readFileSync(path.join(cache, f), 'utf8'));
    expect(line('second.jsonl')).toEqual(line('first.jsonl'));
    expect(line('first.jsonl').token_ids).toHaveLength(4);
  }, 300_000);

  it('an unknown preset names the ones there are', () => {
    const r = generate('x.jsonl', 'tiny:huge');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error MODEL_NOT_FOUND: no tiny-model preset "huge".*Hint: use tiny .*test, bench/);
    expect(existsSync(path.join(cache, 'x.jsonl'))).toBe(false);
  });
});
