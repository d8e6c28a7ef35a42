// The progress line's ETA on a continuous-batching run, from tokens rather than finished items,
// checked against numbers worked out by hand on a scripted clock.
import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from '../../bench/progress';

const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;

function clocked(total: number, done = 0) {
  const clock = { t: 0 };
  const progress = new Progress({ label: 'run', total, done, stream: quiet, intervalS: 1e9, now: () => clock.t });
  return { clock, progress };
}

describe('Progress', () => {
  it('continuous batching: 32 requests stream at once; the first to finish does not make the ETA 39 times its time', () => {
    const { clock, progress } = clocked(40);
    // 10 s in, each of 32 running requests has streamed 20 tokens; one of them finishes with 20.
    for (let step = 0; step < 20; step++) for (let r = 0; r < 32; r++) progress.streamed(`r${r}`);
    clock.t = 10_000;
    progress.tick(20, 'r0');
    // 640 tokens in 10 s = 64 tok/s. Mean length so far 20: the 31 running ones have streamed
    // that much; the 8 not started need 8 x 20 = 160 tokens: 160 / 64 = 2.5 s.
    // (Counting items instead: 10 s per finished item x 39 left = 390 s.)
    expect(progress.etaSeconds()).toBeCloseTo(2.5, 12);
    expect(progress.line()).toMatch(/^run: 1\/40 \(2%\) \| 64\.0 tok\/s \| elapsed 10s \| ETA 3s$/);
  });

  it('a finished item replaces its streamed estimate with its exact token count', () => {
    const { clock, progress } = clocked(3);
    for (let i = 0; i < 9; i++) progress.streamed('a'); // 9 pieces for what were 12 tokens
    for (let i = 0; i < 4; i++) progress.streamed('b');
    clock.t = 2_000;
    progress.tick(12, 'a');
    // Generated 12 + 4 = 16 tokens in 2 s: 8 tok/s. Mean length 12: b needs 12 - 4 = 8 more,
    // the third item 12: 20 tokens, 2.5 s.
    expect(progress.etaSeconds()).toBeCloseTo(2.5, 12);
  });

  it('before any item finishes, the output limit bounds the ETA', () => {
    const clock = { t: 0 };
    const progress = new Progress({ label: 'run', total: 40, stream: quiet, intervalS: 1e9, now: () => clock.t, maxTokensPerItem: 512 });
    for (let step = 0; step < 100; step++) for (let r = 0; r < 32; r++) progress.streamed(`r${r}`);
    clock.t = 10_000;
    // 3200 tokens in 10 s = 320 tok/s; at most 32 x (512 - 100) + 8 x 512 = 17280 tokens left: 54 s.
    expect(progress.eta()).toEqual({ seconds: 54, bound: true });
    expect(progress.line()).toMatch(/ETA ≤54s$/);
  });

  it('nothing to estimate from before anything is generated or finished', () => {
    const { clock, progress } = clocked(5);
    clock.t = 1_000;
    expect(progress.etaSeconds()).toBeUndefined();
    expect(progress.line()).toMatch(/ETA \?$/);
  });

  it('work that reports no tokens per item (datagen units) falls back to time per item', () => {
    const { clock, progress } = clocked(10, 4);
    progress.addTokens(500);
    clock.t = 5_000;
    progress.tick();
    // One unit of this process took 5 s; 5 are left.
    expect(progress.etaSeconds()).toBeCloseTo(25, 12);
  });

  it('formats durations', () => {
    expect([formatDuration(2.5), formatDuration(75), formatDuration(7260), formatDuration(NaN)]).toEqual(['3s', '1m15s', '2h01m', '?']);
  });
});
