// run.json `endpoints` over resumed sessions: figures the predictions hold are recomputed
// from them, the rest summed over sessions. Expected values computed by hand.
import { describe, expect, it } from 'vitest';
import { runEndpointRecords, sessionEndpointRecords, type EndpointStatsRecord } from '../../../bench/runlog';
import type { EndpointStats } from '../../../common';

const noErrors = { rateLimited: 0, server: 0, timeout: 0, connection: 0, rejected: 0 };

const earlier: EndpointStatsRecord = {
  url: 'http://a/v1',
  requests: 2,
  completion_tokens: 10,
  busy_seconds: 4,
  output_tokens_per_second: 2.5,
  latency_ms: { p50: 150, p95: 195 },
  retries: 1,
  errors: { rate_limited: 1, server: 0, timeout: 0, connection: 0, rejected: 0 },
  requeued: 0,
  cooldowns: 0,
};

const session: EndpointStats[] = [
  { url: 'http://a/v1', requests: 1, completionTokens: 10, busyMs: 2000, latencyP50Ms: 300, latencyP95Ms: 300, retries: 2, errors: { ...noErrors, server: 2 }, requeued: 1, cooldowns: 1 },
  { url: 'http://b/v1', requests: 1, completionTokens: 4, busyMs: 1000, latencyP50Ms: 50, latencyP95Ms: 50, retries: 0, errors: { ...noErrors, connection: 1 }, requeued: 0, cooldowns: 0 },
];

// Two answers of the earlier session and one of this session from a, one from b, one from a
// server no session reported (its run.json was lost), and one without an endpoint.
const predictions = [
  { endpoint: 'http://a/v1', completion_tokens: 5, latency_ms: 100 },
  { endpoint: 'http://a/v1', completion_tokens: 5, latency_ms: 200 },
  { endpoint: 'http://a/v1', completion_tokens: 10, latency_ms: 300 },
  { endpoint: 'http://b/v1', completion_tokens: 4, latency_ms: 50 },
  { endpoint: 'http://c/v1', completion_tokens: 7, latency_ms: 70 },
  { completion_tokens: 3, latency_ms: 30 },
];

describe('run.json endpoints', () => {
  it('recomputes answers, tokens and latencies from the predictions and sums the rest over sessions', () => {
    const [a, b, c, ...rest] = runEndpointRecords([earlier], session, predictions);
    expect(rest).toEqual([]);
    // a: 3 answers, 20 tokens over 4 + 2 busy seconds; latencies 100, 200, 300: p50 200,
    // p95 at rank 0.95 * 2 = 1.9, 200 + 0.9 * 100 = 290.
    expect(a).toEqual({
      url: 'http://a/v1',
      requests: 3,
      completion_tokens: 20,
      busy_seconds: 6,
      output_tokens_per_second: 20 / 6,
      latency_ms: { p50: 200, p95: 290 },
      retries: 3,
      errors: { rate_limited: 1, server: 2, timeout: 0, connection: 0, rejected: 0 },
      requeued: 1,
      cooldowns: 1,
    });
    expect(b).toMatchObject({ url: 'http://b/v1', requests: 1, completion_tokens: 4, busy_seconds: 1, output_tokens_per_second: 4, latency_ms: { p50: 50, p95: 50 } });
    expect(b.errors.connection).toBe(1);
    expect(c).toMatchObject({ url: 'http://c/v1', requests: 1, completion_tokens: 7, busy_seconds: 0, output_tokens_per_second: 0, retries: 0, cooldowns: 0 });
  });

  it("gives this process's own figures where there are no predictions (generate, datagen)", () => {
    const [a] = sessionEndpointRecords(session);
    expect(a).toMatchObject({ requests: 1, completion_tokens: 10, busy_seconds: 2, output_tokens_per_second: 5, latency_ms: { p50: 300, p95: 300 }, retries: 2 });
  });
});
