// The parts of the bundle that run on the lent machine, against the tools they replace there
// (ar, xz, dpkg-deb) and against hand-made cases.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpdError } from '../../common';
import { compareTokenRuns, documentedBandwidthGbs, readArArchive, runStatus, unpackDeb, unpackXzFile, type ModelReport, type StepRecord } from '../../bench/bundle/runtime';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ipd-bundle-runtime-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sh = (cmd: string, args: string[], cwd = dir) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
};

/** Every file and link under `root`, as relative path -> content hash or link target. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    const rel = path.relative(root, p);
    if (e.isSymbolicLink()) out[rel] = `-> ${readlinkSync(p)}`;
    else if (e.isFile()) out[rel] = createHash('sha256').update(readFileSync(p)).digest('hex');
  }
  return out;
}

describe('readArArchive', () => {
  it('gives the members GNU ar wrote, odd sizes and padding included', () => {
    writeFileSync(path.join(dir, 'odd.txt'), 'abc');
    writeFileSync(path.join(dir, 'even.bin'), Buffer.from([0, 1, 2, 3, 255, 254]));
    sh('ar', ['rc', 'x.a', 'odd.txt', 'even.bin']);
    const members = readArArchive(readFileSync(path.join(dir, 'x.a')));
    expect([...members.keys()]).toEqual(sh('ar', ['t', 'x.a']).trim().split('\n'));
    expect(Buffer.from(members.get('odd.txt')!).toString()).toBe('abc');
    expect([...members.get('even.bin')!]).toEqual([0, 1, 2, 3, 255, 254]);
  });

  it('names a file that is not an ar archive', () => {
    expect(() => readArArchive(new TextEncoder().encode('PK\u0003\u0004 not ar'), 'x.zip')).toThrow(/x\.zip is not an ar archive/);
  });
});

describe('unpackDeb', () => {
  it('writes what dpkg-deb -x writes, symlinks included, under a prefix', async () => {
    const pkg = path.join(dir, 'pkg');
    mkdirSync(path.join(pkg, 'DEBIAN'), { recursive: true });
    mkdirSync(path.join(pkg, 'usr/lib/x86_64-linux-gnu'), { recursive: true });
    writeFileSync(path.join(pkg, 'DEBIAN/control'), 'Package: ipd-test\nVersion: 1.0\nArchitecture: amd64\nMaintainer: t <t@t>\nDescription: test\n');
    writeFileSync(path.join(pkg, 'usr/lib/x86_64-linux-gnu/libfake.so.1.2.3'), Buffer.alloc(5000, 7));
    symlinkSync('libfake.so.1.2.3', path.join(pkg, 'usr/lib/x86_64-linux-gnu/libfake.so.1'));
    sh('dpkg-deb', ['-Zxz', '--root-owner-group', '--build', 'pkg', 'fake.deb']);
    sh('dpkg-deb', ['-x', 'fake.deb', 'by-dpkg']);
    await unpackDeb(path.join(dir, 'fake.deb'), path.join(dir, 'by-us'));
    const want = tree(path.join(dir, 'by-dpkg'));
    expect(want['usr/lib/x86_64-linux-gnu/libfake.so.1']).toBe('-> libfake.so.1.2.3');
    expect(tree(path.join(dir, 'by-us'))).toEqual(want);
  });
});

describe('unpackXzFile', () => {
  it('decodes what xz -9 wrote, and refuses bytes that differ from the manifest', async () => {
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
    writeFileSync(path.join(dir, 'data.bin'), data);
    sh('xz', ['-9', '-k', 'data.bin']);
    const sha = createHash('sha256').update(data).digest('hex');
    await unpackXzFile(path.join(dir, 'data.bin.xz'), path.join(dir, 'out/data.bin'), sha, 0o755);
    expect(readFileSync(path.join(dir, 'out/data.bin')).equals(data)).toBe(true);
    const wrong = unpackXzFile(path.join(dir, 'data.bin.xz'), path.join(dir, 'out/again.bin'), '0'.repeat(64), 0o644);
    await expect(wrong).rejects.toThrow(IpdError);
    await expect(wrong).rejects.toThrow(/data\.bin\.xz does not unpack to what the bundle was built with/);
  });
});

describe('compareTokenRuns', () => {
  it('counts identical requests and gives the first differing position of the others', () => {
    const ref = [
      { id: 'a', token_ids: [1, 2, 3] },
      { id: 'b', token_ids: [1, 2, 3] },
      { id: 'c', token_ids: [1, 2, 3] },
      { id: 7, token_ids: [5] },
      { id: 'gone', token_ids: [1] },
    ];
    const got = [
      { id: 'a', token_ids: [1, 2, 3] },
      { id: 'b', token_ids: [1, 9, 3] },
      { id: 'c', token_ids: [1, 2] },
      { id: '7', token_ids: [5] },
    ];
    expect(compareTokenRuns(ref, got)).toEqual({
      compared: 4,
      identical: 2,
      differences: [
        { id: 'b', position: 1 },
        { id: 'c', position: 2 },
      ],
      missing: ['gone'],
    });
  });
});

describe('runStatus', () => {
  const step = (status: StepRecord['status']): StepRecord => ({ step: 's', status, rc: 0, seconds: 1 });
  const same = { compared: 1, identical: 1, differences: [], missing: [] };
  const model = (tokens?: ModelReport['tokens']): ModelReport => ({ preset: 'p', dtype: 'fp32', runs: {}, tokens });
  it('is ok with every step done (skipped ones too) and equal tokens', () => {
    expect(runStatus([step('ok'), step('skipped')], [model(same), model()])).toBe('ok');
  });
  it('fails on a failed step or on tokens that differ', () => {
    expect(runStatus([step('ok'), step('failed')], [model(same)])).toBe('failed');
    expect(runStatus([step('ok')], [model({ ...same, identical: 0, differences: [{ id: 'x', position: 3 }] })])).toBe('failed');
  });
  it('says time_limit when the limit cut a step, failures or not', () => {
    expect(runStatus([step('failed'), step('time_limit')], [model(same)])).toBe('time_limit');
  });
});

describe('documentedBandwidthGbs', () => {
  // NVIDIA datasheets: H200 4.8 TB/s, H100 SXM 3.35 TB/s, H100 PCIe 2 TB/s.
  it('knows the datasheet numbers of the names nvidia-smi reports, and nothing else', () => {
    expect(documentedBandwidthGbs('NVIDIA H200')).toBe(4800);
    expect(documentedBandwidthGbs('NVIDIA H100 80GB HBM3')).toBe(3350);
    expect(documentedBandwidthGbs('NVIDIA H100 PCIe')).toBe(2000);
    expect(documentedBandwidthGbs('NVIDIA GeForce RTX 3090')).toBeUndefined();
  });
});
