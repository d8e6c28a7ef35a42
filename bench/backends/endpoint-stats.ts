// What each endpoint did in this process: answers, tokens, busy time, latencies, failures.
import type { EndpointStats } from '../../common';
import { latencyPercentiles } from '../runlog';
import type { RetryableKind } from './endpoint-client';

export class EndpointStatsCollector {
  private requests = 0;
  private completionTokens = 0;
  private readonly latencies: number[] = [];
  private busyMs = 0;
  private busySince = 0;
  private inFlight = 0;
  private retries = 0;
  private requeued = 0;
  private readonly errors = { rateLimited: 0, server: 0, timeout: 0, connection: 0, rejected: 0 };

  constructor(readonly url: string) {}

  started(now: number): void {
    if (this.inFlight++ === 0) this.busySince = now;
  }

  ended(now: number): void {
    if (--this.inFlight === 0) this.busyMs += now - this.busySince;
  }

  answered(latencyMs: number, completionTokens: number, rejected: boolean): void {
    this.requests++;
    this.completionTokens += completionTokens;
    this.latencies.push(latencyMs);
    if (rejected) this.errors.rejected++;
  }

  failed(kind: RetryableKind, retried: boolean): void {
    this.errors[kind]++;
    if (retried) this.retries++;
  }

  movedAway(): void {
    this.requeued++;
  }

  snapshot(now: number, numCooldowns: number): EndpointStats {
    const { p50, p95 } = latencyPercentiles(this.latencies);
    return {
      url: this.url,
      requests: this.requests,
      completionTokens: this.completionTokens,
      busyMs: this.busyMs + (this.inFlight > 0 ? now - this.busySince : 0),
      latencyP50Ms: p50,
      latencyP95Ms: p95,
      retries: this.retries,
      errors: { ...this.errors },
      requeued: this.requeued,
      cooldowns: numCooldowns,
    };
  }
}
