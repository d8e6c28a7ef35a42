import { describe, expect, it } from 'vitest';
import { measureDeviceReadBandwidth } from '../../bench/perf/harness/device-bandwidth';

// The rate is the machine's; what holds everywhere is its arithmetic: matrix bytes per extra link.
describe('measureDeviceReadBandwidth', () => {
  it('times two chain lengths and divides the matrix bytes by the time per extra link', async () => {
    const r = await measureDeviceReadBandwidth({ device: 'cpu', k: 1024, chains: [1, 5], repeats: 3 });
    expect(r.matrixBytes).toBe(1024 * 1024 * 4);
    expect(r.chains).toEqual([1, 5]);
    const [short, long] = r.bestMs;
    expect(long).toBeGreaterThan(short);
    expect(r.gbPerS).toBeCloseTo(r.matrixBytes / (((long - short) / 4) / 1000) / 1e9, 6);
    expect(r.gbPerS).toBeGreaterThan(0);
  });

  it('refuses chains that cannot give a slope', async () => {
    await expect(measureDeviceReadBandwidth({ device: 'cpu', k: 64, chains: [3, 3] })).rejects.toThrow(/chains must be/);
  });
});
