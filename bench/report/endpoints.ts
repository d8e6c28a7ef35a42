// The per-endpoint tables of runs on several OpenAI-compatible servers (run.json `endpoints`,
// and `judge.endpoints` for the judge's servers).
// Browser-safe; static HTML like the other tables.
import type { EndpointStatsRecord } from '../runlog';
import { escapeHtml as h, fmt } from './html';

const KINDS = {
  generation: { id: 'endpoints', title: 'Endpoints', answered: 'predictions each server answered' },
  judge: { id: 'judge-endpoints', title: 'Judge endpoints', answered: 'judge replies each server gave' },
} as const;

/** One section for the runs that name endpoints (of the generations, or of the judge); empty when none does. */
export function renderEndpoints(runs: ReadonlyArray<{ label: string; endpoints?: readonly EndpointStatsRecord[] }>, kind: keyof typeof KINDS = 'generation'): string {
  const { id, title, answered } = KINDS[kind];
  const withEndpoints = runs.filter((r) => r.endpoints && r.endpoints.length > 0);
  if (withEndpoints.length === 0) return '';
  const multi = runs.length > 1;
  const rows = withEndpoints.flatMap((r) => {
    const total = r.endpoints!.reduce((a, e) => a + e.requests, 0);
    return r.endpoints!.map((e) => {
      const errors = e.errors.rate_limited + e.errors.server + e.errors.timeout + e.errors.connection + e.errors.rejected;
      const detail = [
        e.errors.rate_limited && `${e.errors.rate_limited} rate-limited (429)`,
        e.errors.server && `${e.errors.server} server errors (5xx)`,
        e.errors.timeout && `${e.errors.timeout} timeouts`,
        e.errors.connection && `${e.errors.connection} connection errors`,
        e.errors.rejected && `${e.errors.rejected} requests refused (4xx, recorded as item errors)`,
        e.requeued && `${e.requeued} moved to other endpoints when it went into cooldown`,
      ]
        .filter(Boolean)
        .join(', ');
      const share = total > 0 ? `${fmt((100 * e.requests) / total, 0)}%` : '–';
      return `<tr>${multi ? `<td>${h(r.label)}</td>` : ''}<td>${h(e.url)}</td><td class="num">${e.requests}</td><td class="num">${share}</td><td class="num">${fmt(
        e.output_tokens_per_second,
        1,
      )}</td><td class="num">${fmt(e.latency_ms.p50, 0)}</td><td class="num">${fmt(e.latency_ms.p95, 0)}</td><td class="num">${e.retries}</td><td class="num"${
        detail ? ` title="${h(detail)}"` : ''
      }>${errors}</td><td class="num">${e.cooldowns}</td></tr>`;
    });
  });
  return `<section id="${id}">
<h2>${title}</h2>
<p class="hint">Requests: ${answered}. Output tok/s: its completion tokens over the time it had requests in flight. Latency: of its answered requests, in ms. Retries: failed attempts there sent again (there later, or elsewhere). Errors: failed attempts (hover for the causes). Cooldowns: times it was taken out of the rotation until a probe succeeded.</p>
<div class="table-wrap"><table class="endpoints">
<thead><tr>${multi ? '<th>Run</th>' : ''}<th>Endpoint</th><th class="num">Requests</th><th class="num">Share</th><th class="num">Output tok/s</th><th class="num">Latency p50</th><th class="num">p95</th><th class="num">Retries</th><th class="num">Errors</th><th class="num">Cooldowns</th></tr></thead>
<tbody>${rows.join('\n')}</tbody>
</table></div>
</section>`;
}
