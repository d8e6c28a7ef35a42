import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../models';
import { runCli, runCliAsync } from '../helpers/cli';
import { startScriptedServer } from '../helpers/fake-openai';
import { ensureTinyModel } from '../helpers/tiny-model';
import { loadTransformersReference } from '../helpers/transformers-reference';

let modelDir: string;
let dir: string;

beforeAll(async () => {
  modelDir = await ensureTinyModel({ preset: 'test' });
  dir = mkdtempSync(path.join(os.tmpdir(), 'ipd-gen-'));
});

const lines = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('ipdialog generate', () => {
  it('writes one line per input in input order, equal to transformers.js greedy, and resumes', async () => {
    const input = path.join(dir, 'in.jsonl');
    const rows = [
      { id: 'a', prompt: 'The capital of France is' },
      { id: 2, messages: [{ role: 'user', content: 'What is 2+2?' }], max_new_tokens: 4 },
      { id: 'c', prompt: 'Once upon a time there was a small village by the sea where' },
    ];
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const out = path.join(dir, 'out.jsonl');
    const res = runCli(['generate', '--model', modelDir, '--input', input, '--out', out, '--raw', '--max-new-tokens', '8', '--threads', '2']);
    expect(res.status, res.stderr).toBe(0);
    const got = lines(out);
    expect(got.map((g) => g.id)).toEqual(['a', 2, 'c']);
    for (const g of got) expect(Object.keys(g)).toEqual(['id', 'text', 'token_ids', 'prompt_tokens', 'finish_reason']);
    expect(got[1].token_ids).toHaveLength(4);

    const tok = await loadTokenizer(modelDir);
    const ref = await loadTransformersReference(modelDir);
    try {
      expect(got[0].token_ids).toEqual(await ref.generate(tok.encode(rows[0].prompt!), 8));
      expect(got[0].prompt_tokens).toBe(tok.encode(rows[0].prompt!).length);
      const chatIds = tok.encodeChat(rows[1].messages!.map((m) => ({ role: 'user' as const, content: m.content })));
      expect(got[1].token_ids).toEqual(await ref.generate(chatIds, 4));
    } finally {
      await ref.dispose();
    }

    // A torn last line (a crash mid-write) is redone; finished lines are kept, not repeated.
    const text = readFileSync(out, 'utf8').split('\n');
    writeFileSync(out, `${text[0]}\n${text[1].slice(0, 20)}`);
    const again = runCli(['generate', '--model', modelDir, '--input', input, '--out', out, '--raw', '--max-new-tokens', '8', '--threads', '2']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/wrote 2 completion\(s\).*\(1 already there\)/);
    expect(lines(out)).toEqual(got);
  });

  it('--backend transformersjs runs the reference: the same greedy tokens as the engine, in input order', () => {
    const input = path.join(dir, 'ref-in.jsonl');
    const rows = [
      { id: 'long', prompt: 'Once upon a time there was a small village by the sea where the fishermen' },
      { id: 'short', prompt: 'Hello' },
      { id: 'chat', messages: [{ role: 'user', content: 'Name three colors.' }] },
    ];
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const ours = path.join(dir, 'ref-ours.jsonl');
    const theirs = path.join(dir, 'ref-theirs.jsonl');
    const args = ['generate', '--model', modelDir, '--input', input, '--raw', '--max-new-tokens', '6', '--threads', '2'];
    expect(runCli([...args, '--out', ours]).status).toBe(0);
    // Batches of two: the prompts are sorted by length, the results still come back in input order.
    const ref = runCli([...args, '--out', theirs, '--backend', 'transformersjs', '--ref-batch', '2']);
    expect(ref.status, ref.stderr).toBe(0);
    const a = lines(ours);
    const b = lines(theirs);
    expect(b.map((x) => x.id)).toEqual(['long', 'short', 'chat']);
    expect(b.map((x) => x.token_ids)).toEqual(a.map((x) => x.token_ids));
    expect(b.map((x) => x.text)).toEqual(a.map((x) => x.text));
    // A KV budget changes how many rows decode together, never the tokens.
    const budgeted = path.join(dir, 'ref-kv.jsonl');
    expect(runCli([...args, '--out', budgeted, '--kv-cache-mb', '1']).status).toBe(0);
    expect(lines(budgeted)).toEqual(a);
    const bad = runCli([...args, '--out', budgeted, '--kv-cache-mb', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--kv-cache-mb must be a positive integer (got "0")');
  });

  it('on two endpoints: each line names the server that answered it, and stderr has their table', async () => {
    const servers = await Promise.all([0, 1].map(() => startScriptedServer((p) => `echo ${p}`, 'fake-model', { delayMs: 20 })));
    try {
      const input = path.join(dir, 'fleet-in.jsonl');
      writeFileSync(input, [0, 1, 2, 3, 4, 5].map((i) => JSON.stringify({ id: i, prompt: `q${i}` })).join('\n') + '\n');
      const out = path.join(dir, 'fleet-out.jsonl');
      const res = await runCliAsync(['generate', '--backend', 'openai', ...servers.flatMap((s) => ['--endpoint', s.baseUrl]), '--input', input, '--out', out]);
      expect(res.status, res.stderr).toBe(0);
      const got = lines(out);
      expect(got.map((g) => [g.id, g.text])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i, `echo q${i}`]));
      for (const g of got) expect(servers.find((s) => s.baseUrl === g.endpoint)!.answered, String(g.id)).toContain(`q${g.id}`);
      // Least-loaded first: the two servers took turns.
      for (const s of servers) {
        const n = got.filter((g) => g.endpoint === s.baseUrl).length;
        expect(n).toBe(3);
        expect(res.stderr).toMatch(new RegExp(`^${s.baseUrl.replace(/[.]/g, '\\.')}\\s+${n}\\s`, 'm'));
      }
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
