// The reference's batch-size sweep in `npm run bench:perf` stops a size early only when it
// cannot be the best: slower than the best complete run, or more than 10% behind it at a point
// where both have finished the same length-sorted requests. The rule on fixed timings, and the
// measured transformers.js process reporting its progress to the harness, which stops it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnMeasured, SweepPace, type ImplResult } from '../../bench/perf/harness';
import { ensureTinyModel } from '../helpers/tiny-model';

describe('SweepPace', () => {
  // The best complete run: batch 16 over 50 requests, 100 s wall.
  const pace = () => {
    const p = new SweepPace(50);
    p.record(100_000, [
      { numDone: 16, ms: 30_000 },
      { numDone: 32, ms: 60_000 },
      { numDone: 48, ms: 90_000 },
      { numDone: 50, ms: 97_000 },
    ]);
    return p;
  };

  it('stops a size more than 10% behind on the same requests, and only then', () => {
    // Batch 4 has not finished the first 16 at 34 s (best: 30 s): 13% behind.
    expect(pace().stopReason(4, 34_000, 12)).toMatch(/first 16 requests not done after 34 s/);
    // At 32 s it is within 10%: it goes on.
    expect(pace().stopReason(4, 32_000, 12)).toBeUndefined();
    // Done with the first 16 on time, it is next compared at 32 (60 s): fine at 65 s.
    expect(pace().stopReason(4, 65_000, 28)).toBeUndefined();
    expect(pace().stopReason(4, 67_000, 28)).toMatch(/first 32 requests/);
  });

  it('compares only at points both sizes share', () => {
    // Batch 32 finishes nothing before 32 requests: 16 is not its point, 32 is.
    expect(pace().stopReason(32, 40_000, 0)).toBeUndefined();
    expect(pace().stopReason(32, 67_000, 0)).toMatch(/first 32 requests/);
    // Batch 12 shares only the end with batch 16.
    expect(pace().stopReason(12, 95_000, 36)).toBeUndefined();
  });

  it('stops a size once past the best complete run, and nothing before any run completes', () => {
    expect(pace().stopReason(8, 100_500, 48)).toMatch(/slower than the best so far \(100 s\)/);
    expect(new SweepPace(50).stopReason(8, 1e9, 0)).toBeUndefined();
  });

  it('keeps the fastest time at each point over all complete runs', () => {
    const p = pace();
    // Batch 32: slower overall, but it finished the first 32 sooner (50 s).
    p.record(110_000, [
      { numDone: 32, ms: 50_000 },
      { numDone: 50, ms: 107_000 },
    ]);
    expect(p.stopReason(8, 56_000, 24)).toMatch(/first 32 requests not done after 56 s, 10% past the best pace \(50 s\)/);
  });
});

describe('the measured reference process reports progress', () => {
  let tmp: string;
  let workloadFile: string;
  let modelDir: string;

  beforeAll(async () => {
    modelDir = await ensureTinyModel({ preset: 'test', numLogitsToKeep: true });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ipd-sweep-pace-'));
    workloadFile = path.join(tmp, 'workload.json');
    // Six prompts of different lengths (sorted on the way in), two per static batch.
    const requests = [7, 3, 5, 4, 6, 2].map((n, i) => ({ id: `r${i}`, task: 't', pathway: 'direct-response', promptIds: Array.from({ length: n }, (_, j) => 10 + j + i), maxNewTokens: 3 }));
    writeFileSync(workloadFile, JSON.stringify({ requests, eos: [] }));
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const cfg = () => ({ impl: 'transformers.js' as const, workloadFile, modelDir, dtype: 'fp32' as const, device: 'cpu' as const, threads: 1, batchSize: 2 });

  it('one report per static batch, in order, and the run completes', async () => {
    const r = await spawnMeasured<ImplResult>(cfg());
    expect(r.stopped).toBeFalsy();
    expect(r.progress.map((p) => p.numDone)).toEqual([2, 4, 6]);
    const ms = r.progress.map((p) => p.ms);
    expect(ms).toEqual([...ms].sort((a, b) => a - b));
    expect(ms[2]).toBeLessThanOrEqual(r.wallMs);
    if (!r.stopped) expect(Object.keys(r.result.outputs)).toHaveLength(6);
  }, 120_000);

  it('a stop rule kills the process and says why', async () => {
    const r = await spawnMeasured<ImplResult>(cfg(), { stopIf: (_ms, numDone) => (numDone >= 2 ? 'enough seen' : undefined) });
    expect(r).toMatchObject({ stopped: true, stopReason: 'enough seen' });
    expect(r.progress[0].numDone).toBe(2);
    expect(r.progress.length).toBeLessThan(3);
  }, 120_000);
});
