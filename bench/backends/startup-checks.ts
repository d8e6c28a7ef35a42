// Before any work is queued: every endpoint answers /models and serves the run's model, and
// (with several) a greedy canary prompt gets the same text everywhere. What differs is
// reported by name: a warning, or a refusal with --strict-endpoints.
import { IpdError, type TextRequest } from '../../common';
import type { EndpointConfig } from './endpoint-config';
import type { AttemptOutcome, EndpointClient } from './endpoint-client';
import type { FleetMember } from './fleet';

export interface StartupOptions {
  /** The model to send; default: the first model the first reachable endpoint lists. */
  model?: string;
  strict: boolean;
  canary: TextRequest;
  /** Quick retries of /models: a server still starting gets a moment, an absent one is reported in seconds. */
  probeRetries: number;
  retryBaseMs: number;
  log: (line: string) => void;
}

export interface StartupResult {
  model: string;
  members: FleetMember[];
}

type Listing = Awaited<ReturnType<EndpointClient['listModels']>>;

async function listWithRetries(client: EndpointClient, retries: number, baseMs: number): Promise<Listing> {
  let r = await client.listModels();
  for (let attempt = 1; attempt <= retries && 'kind' in r && r.kind === 'retryable'; attempt++) {
    await new Promise((res) => setTimeout(res, baseMs * 2 ** (attempt - 1)));
    r = await client.listModels();
  }
  return r;
}

/** The canary's text, shortened for a message. */
const quote = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);

export async function checkEndpoints(endpoints: ReadonlyArray<{ config: EndpointConfig; client: EndpointClient }>, opts: StartupOptions): Promise<StartupResult> {
  const listings = await Promise.all(endpoints.map((e) => listWithRetries(e.client, opts.probeRetries, opts.retryBaseMs)));
  for (const l of listings) if ('kind' in l && l.kind === 'fatal') throw l.error;

  const reachable = listings.map((l) => !('kind' in l));
  if (!reachable.some(Boolean)) throw unreachableError(endpoints, listings);
  let model = opts.model;
  if (!model) {
    const first = listings.find((l): l is { ids: string[] } => 'ids' in l);
    model = first?.ids[0];
    const url = endpoints[listings.indexOf(first!)]?.config.url ?? endpoints[0].config.url;
    if (!model) throw new IpdError('SERVER_ERROR', `${url}/models lists no model`, { hint: 'pass the model name with --model' });
  }

  const problems: string[] = [];
  const members: FleetMember[] = [];
  endpoints.forEach((e, i) => {
    const l = listings[i];
    if ('ids' in l && !l.ids.includes(model)) {
      const serves = `${e.config.url} serves ${l.ids.map((id) => `"${id}"`).join(', ') || 'no model'}, not "${model}"`;
      // One server: requests name the model as told (llama.cpp, for one, answers any name).
      if (endpoints.length === 1) {
        opts.log(`warning: ${serves}; sending "${model}" anyway`);
        members.push({ ...e });
      } else {
        problems.push(`${serves}: left out of this run`);
      }
    } else if ('kind' in l) {
      const why = l.kind === 'retryable' ? l.problem : l.kind;
      problems.push(`${e.config.url} does not answer (${why}): it gets work once a probe succeeds`);
      members.push({ ...e, downProblem: why });
    } else {
      members.push({ ...e });
    }
  });

  const up = members.filter((m) => m.downProblem === undefined);
  if (up.length === 0) throw new IpdError('SERVER_ERROR', `no endpoint serves "${model}":\n  ${problems.join('\n  ')}`, { hint: 'check the URLs and --model' });
  if (endpoints.length > 1) problems.push(...(await compareCanary(up, model, opts.canary)));

  if (problems.length > 0 && opts.strict) {
    throw new IpdError('SERVER_ERROR', `--strict-endpoints: the endpoints differ:\n  ${problems.join('\n  ')}`, {
      hint: 'fix or drop the endpoints named, or run without --strict-endpoints to go on with warnings',
    });
  }
  for (const p of problems) opts.log(`warning: ${p}`);
  return { model, members };
}

/**
 * The canary on every endpoint that is up. Texts that differ from the most common one (ties:
 * the first endpoint's) are named: different weights, chat template or quantization. An
 * endpoint that fails the canary starts in cooldown.
 */
async function compareCanary(up: FleetMember[], model: string, canary: TextRequest): Promise<string[]> {
  const outcomes: AttemptOutcome[] = await Promise.all(up.map((m) => m.client.complete(model, canary)));
  const problems: string[] = [];
  const byText = new Map<string, string[]>();
  outcomes.forEach((o, i) => {
    const url = up[i].config.url;
    if (o.kind === 'fatal') throw o.error;
    if (o.kind === 'ok') {
      byText.set(o.result.text, [...(byText.get(o.result.text) ?? []), url]);
      return;
    }
    const why = o.kind === 'retryable' ? o.problem : o.kind === 'rejected' ? o.result.error! : 'aborted';
    problems.push(`${url} failed the canary request (${why}): it gets work once a probe succeeds`);
    up[i].downProblem = why;
  });
  if (byText.size > 1) {
    const groups = [...byText.entries()].sort((a, b) => b[1].length - a[1].length);
    const [refText, refUrls] = groups[0];
    for (const [text, urls] of groups.slice(1)) {
      problems.push(
        `${urls.join(', ')} answer${urls.length > 1 ? '' : 's'} the greedy canary prompt with ${quote(text)}, ${refUrls.join(', ')} with ${quote(refText)}: different weights, chat template or quantization?`,
      );
    }
  }
  return problems;
}

function unreachableError(endpoints: ReadonlyArray<{ config: EndpointConfig }>, listings: Listing[]): IpdError {
  const why = (l: Listing) => ('kind' in l && l.kind === 'retryable' ? l.problem : 'no answer');
  const allUnreachable = listings.every((l) => 'kind' in l && l.kind === 'retryable' && l.unreachable);
  if (endpoints.length === 1) {
    const url = endpoints[0].config.url;
    return allUnreachable
      ? new IpdError('SERVER_ERROR', `cannot reach the server at ${url} (${why(listings[0])})`, { hint: 'is it running? start one with `ipdialog serve --model M`, or check --base-url' })
      : new IpdError('SERVER_ERROR', `GET ${url}/models keeps failing: ${why(listings[0])}`, { hint: 'the server keeps failing; check its log' });
  }
  const which = endpoints.map((e, i) => `${e.config.url} (${why(listings[i])})`).join(', ');
  return new IpdError('SERVER_ERROR', `no endpoint answers: ${which}`, { hint: 'are they running? check the URLs (they usually end in /v1)' });
}
