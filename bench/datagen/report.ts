// The end-of-run summary: one line per step, then where the data went.
import type { DatagenStats, DatagenStep } from './run';

export function formatDatagenSummary(stats: DatagenStats, out: string): string {
  const lines = ['step        units  generated  parsed  passed  dropped  (reasons)'];
  for (const [name, s] of Object.entries(stats.steps) as Array<[DatagenStep, NonNullable<DatagenStats['steps'][DatagenStep]>]>) {
    const reasons = Object.entries(s.dropReasons)
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `${r} ${n}`)
      .join(', ');
    const cells = [name.padEnd(10), s.units, s.generated, s.parsed, s.passed, s.dropped].map((c, i) => (i === 0 ? c : String(c).padStart([0, 7, 11, 8, 8, 9][i])));
    lines.push(`${cells.join('')}${reasons ? `  (${reasons})` : ''}`);
  }
  if (stats.dedup) lines.push(`dedup: ${stats.dedup.method}${stats.dedup.model ? ` (${stats.dedup.model})` : ''}, threshold ${stats.dedup.threshold}, ${stats.dedup.duplicates} removed`);
  if (stats.items) {
    lines.push(`${stats.items.dataset} item(s) in ${out}/dataset.jsonl (train ${stats.items.train}, test ${stats.items.test})`);
    if (stats.items.dataset === 0) lines.push(`every item was dropped; the reasons are above and in ${out}/stats.json`);
  } else lines.push(`stopped after the requested steps; rerun without --steps to finish`);
  return lines.join('\n');
}
