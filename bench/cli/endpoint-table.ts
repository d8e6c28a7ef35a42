// The per-endpoint figures of a fleet run as a few stderr lines.
import type { EndpointStats } from '../../common';
import { sessionEndpointRecords, type EndpointStatsRecord } from '../runlog';

/** Prints the table when more than one server answered (for one, the summary line says it all). */
export function printEndpointTable(records: readonly EndpointStatsRecord[] | undefined): void {
  if (records && records.length > 1) process.stderr.write(`${formatEndpointTable(records)}\n`);
}

/** This process's figures of a remote backend (generate, judge, datagen: no run.json to sum over). */
export function printSessionEndpoints(generator: { endpointStats?(): EndpointStats[] }): void {
  printEndpointTable(sessionEndpointRecords(generator.endpointStats?.() ?? []));
}

export function formatEndpointTable(records: readonly EndpointStatsRecord[]): string {
  const head = ['endpoint', 'requests', 'out tok/s', 'p50 ms', 'p95 ms', 'retries', 'errors', 'cooldowns'];
  const num = (x: number | null, digits = 0) => (x === null ? '-' : x.toFixed(digits));
  const rows = records.map((r) => [
    r.url,
    String(r.requests),
    num(r.output_tokens_per_second, 1),
    num(r.latency_ms.p50),
    num(r.latency_ms.p95),
    String(r.retries),
    String(Object.values(r.errors).reduce((a, b) => a + b, 0)),
    String(r.cooldowns),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
