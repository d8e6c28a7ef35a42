// run.json `endpoints`: what each server did over all sessions of a run. What the predictions
// hold (answers, tokens, latencies) is recomputed from them, like reduce(), so a resumed or
// sharded run never averages figures of its sessions; busy time and failures, which only the
// sessions saw, are summed. Pure and browser-safe.
import { quantile, type EndpointStats } from '../../common';
import type { EndpointStatsRecord, PredictionRecord } from './schema';

/** p50 and p95 of latencies in ms (null for none), as run.json and the live fleet report them. */
export function latencyPercentiles(latenciesMs: readonly number[]): { p50: number | null; p95: number | null } {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}

/** This process's figures as records (`ipdialog generate` and friends print these). */
export function sessionEndpointRecords(session: readonly EndpointStats[]): EndpointStatsRecord[] {
  return session.map((s) => ({
    url: s.url,
    requests: s.requests,
    completion_tokens: s.completionTokens,
    busy_seconds: s.busyMs / 1000,
    output_tokens_per_second: s.busyMs > 0 ? s.completionTokens / (s.busyMs / 1000) : 0,
    latency_ms: { p50: s.latencyP50Ms, p95: s.latencyP95Ms },
    retries: s.retries,
    errors: { rate_limited: s.errors.rateLimited, server: s.errors.server, timeout: s.errors.timeout, connection: s.errors.connection, rejected: s.errors.rejected },
    requeued: s.requeued,
    cooldowns: s.cooldowns,
  }));
}

/**
 * The endpoints of a run: `previous` (run.json of the sessions before this one) plus this
 * session's, with answers, tokens and latencies taken from all `predictions`. Endpoints in
 * the listed order: earlier sessions' first, then new ones.
 */
export function runEndpointRecords(
  previous: readonly EndpointStatsRecord[] | undefined,
  session: readonly EndpointStats[],
  predictions: ReadonlyArray<Pick<PredictionRecord, 'endpoint' | 'completion_tokens' | 'latency_ms'>>,
): EndpointStatsRecord[] {
  const byUrl = new Map<string, EndpointStatsRecord>();
  for (const r of [...(previous ?? []), ...sessionEndpointRecords(session)]) {
    const acc = byUrl.get(r.url);
    if (!acc) {
      byUrl.set(r.url, { ...r, errors: { ...r.errors }, latency_ms: { ...r.latency_ms } });
      continue;
    }
    acc.busy_seconds += r.busy_seconds;
    acc.retries += r.retries;
    acc.requeued += r.requeued;
    acc.cooldowns += r.cooldowns;
    for (const k of Object.keys(acc.errors) as Array<keyof typeof acc.errors>) acc.errors[k] += r.errors[k];
  }
  const served = new Map<string, { tokens: number; latencies: number[] }>();
  for (const p of predictions) {
    if (p.endpoint === undefined) continue;
    const s = served.get(p.endpoint) ?? { tokens: 0, latencies: [] };
    s.tokens += p.completion_tokens;
    s.latencies.push(p.latency_ms);
    served.set(p.endpoint, s);
  }
  for (const url of served.keys()) if (!byUrl.has(url)) byUrl.set(url, emptyRecord(url));
  return [...byUrl.values()].map((r) => {
    const s = served.get(r.url) ?? { tokens: 0, latencies: [] };
    const { p50, p95 } = latencyPercentiles(s.latencies);
    return {
      ...r,
      requests: s.latencies.length,
      completion_tokens: s.tokens,
      output_tokens_per_second: r.busy_seconds > 0 ? s.tokens / r.busy_seconds : 0,
      latency_ms: { p50, p95 },
    };
  });
}

function emptyRecord(url: string): EndpointStatsRecord {
  return {
    url,
    requests: 0,
    completion_tokens: 0,
    busy_seconds: 0,
    output_tokens_per_second: 0,
    latency_ms: { p50: null, p95: null },
    retries: 0,
    errors: { rate_limited: 0, server: 0, timeout: 0, connection: 0, rejected: 0 },
    requeued: 0,
    cooldowns: 0,
  };
}
