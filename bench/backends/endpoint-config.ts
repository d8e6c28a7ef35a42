// Which servers a remote run uses: `--endpoint URL[,max=N][,weight=W]` flags, an endpoints
// file (the same fields plus an API key per server), or the single `--base-url` of old.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { IpdError } from '../../common';

export interface EndpointConfig {
  /** Base URL of the OpenAI-compatible API, usually ending in /v1. */
  url: string;
  /** Most requests in flight there at once. */
  maxConcurrency: number;
  /** Share of new work when several endpoints have room (the shared queue already gives faster ones more). */
  weight: number;
  apiKey?: string;
}

export interface EndpointSources {
  /** `--endpoint` values. */
  specs?: readonly string[];
  /** `--endpoints FILE`. */
  file?: string;
  /** `--base-url`: one more endpoint, as before fleets. */
  baseUrl?: string;
  /** `--api-key`: for endpoints that name none themselves. */
  apiKey?: string;
  /** `--concurrency`: the cap of endpoints that set no `max`. */
  defaultMax?: number;
}

export const DEFAULT_MAX_CONCURRENCY = 8;

const FIELDS = ['max', 'weight'] as const;

/** `http://host:8000/v1,max=16,weight=2` as an endpoint. */
export function parseEndpointSpec(spec: string, defaults: { apiKey?: string; defaultMax?: number } = {}): EndpointConfig {
  const [rawUrl, ...fields] = spec.split(',').map((s) => s.trim());
  const where = `--endpoint "${spec}"`;
  const url = checkUrl(rawUrl, (problem) => new IpdError('USAGE', `${where}: ${problem}`, { hint: 'e.g. --endpoint http://127.0.0.1:8000/v1,max=16' }));
  const cfg: EndpointConfig = { url, maxConcurrency: defaults.defaultMax ?? DEFAULT_MAX_CONCURRENCY, weight: 1, ...(defaults.apiKey && { apiKey: defaults.apiKey }) };
  for (const field of fields) {
    const m = /^([a-z_]+)=(.+)$/.exec(field);
    if (!m || !(FIELDS as readonly string[]).includes(m[1])) {
      throw new IpdError('USAGE', `${where}: "${field}" is not one of ${FIELDS.map((f) => `${f}=...`).join(', ')}`, {
        hint: 'API keys go in --api-key or, one per endpoint, in an --endpoints file',
      });
    }
    const n = Number(m[2]);
    if (m[1] === 'max') {
      if (!Number.isInteger(n) || n < 1) throw new IpdError('USAGE', `${where}: max must be a positive integer (got "${m[2]}")`);
      cfg.maxConcurrency = n;
    } else {
      if (!Number.isFinite(n) || n <= 0) throw new IpdError('USAGE', `${where}: weight must be a positive number (got "${m[2]}")`);
      cfg.weight = n;
    }
  }
  return cfg;
}

const EndpointEntrySchema = z
  .object({
    url: z.string(),
    max: z.number().int().positive().optional(),
    weight: z.number().positive().optional(),
    /** The key itself, or the environment variable holding it (keeps secrets out of the file). */
    api_key: z.string().min(1).optional(),
    api_key_env: z.string().min(1).optional(),
  })
  .strict()
  .refine((e) => !(e.api_key && e.api_key_env), { message: 'give api_key or api_key_env, not both', path: ['api_key_env'] });

const EndpointsFileSchema = z.object({ endpoints: z.array(EndpointEntrySchema).min(1) }).strict();

const FILE_HINT = 'format: {"endpoints": [{"url": "http://host:8000/v1", "max": 32, "weight": 1, "api_key_env": "VAR"}, ...]}; see README "Many endpoints"';

/** An endpoints file: JSON, `{"endpoints": [{url, max?, weight?, api_key? | api_key_env?}, ...]}`. */
export function readEndpointsFile(file: string, defaults: { apiKey?: string; defaultMax?: number } = {}, env: NodeJS.ProcessEnv = process.env): EndpointConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const problem = e.code ? `cannot read it (${e.code})` : `not valid JSON: ${e.message}`;
    throw new IpdError('INPUT_INVALID', `endpoints file ${file}: ${problem}`, { file, hint: FILE_HINT, cause: err });
  }
  const parsed = EndpointsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
    throw new IpdError('INPUT_INVALID', `endpoints file ${file}: ${field || '(root)'}: ${issue.message}`, { file, field, hint: FILE_HINT });
  }
  return parsed.data.endpoints.map((e, i) => {
    const fail = (field: string, problem: string) => new IpdError('INPUT_INVALID', `endpoints file ${file}: endpoints[${i}].${field}: ${problem}`, { file, field: `endpoints[${i}].${field}`, hint: FILE_HINT });
    const url = checkUrl(e.url, (problem) => fail('url', problem));
    let apiKey = e.api_key ?? defaults.apiKey;
    if (e.api_key_env) {
      apiKey = env[e.api_key_env];
      if (!apiKey) throw fail('api_key_env', `the environment variable ${e.api_key_env} is not set`);
    }
    return { url, maxConcurrency: e.max ?? defaults.defaultMax ?? DEFAULT_MAX_CONCURRENCY, weight: e.weight ?? 1, ...(apiKey && { apiKey }) };
  });
}

/** All endpoints the flags name, in the order given; none when no flag names one. */
export function resolveEndpoints(src: EndpointSources): EndpointConfig[] {
  const defaults = { apiKey: src.apiKey, defaultMax: src.defaultMax };
  const out: EndpointConfig[] = [
    ...(src.baseUrl ? [parseBaseUrl(src.baseUrl, defaults)] : []),
    ...(src.specs ?? []).map((s) => parseEndpointSpec(s, defaults)),
    ...(src.file ? readEndpointsFile(src.file, defaults) : []),
  ];
  const seen = new Set<string>();
  for (const e of out) {
    if (seen.has(e.url)) throw new IpdError('USAGE', `the endpoint ${e.url} is given twice`, { hint: 'raise its max=N instead of listing it again' });
    seen.add(e.url);
  }
  return out;
}

function parseBaseUrl(url: string, defaults: { apiKey?: string; defaultMax?: number }): EndpointConfig {
  const checked = checkUrl(url, (problem) => new IpdError('USAGE', `--base-url "${url}": ${problem}`, { hint: 'e.g. --base-url http://127.0.0.1:8000/v1' }));
  return { url: checked, maxConcurrency: defaults.defaultMax ?? DEFAULT_MAX_CONCURRENCY, weight: 1, ...(defaults.apiKey && { apiKey: defaults.apiKey }) };
}

/** An http(s) URL without trailing slashes. */
function checkUrl(raw: string | undefined, fail: (problem: string) => IpdError): string {
  let u: URL;
  try {
    u = new URL(raw ?? '');
  } catch {
    throw fail(`"${raw ?? ''}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw fail(`"${raw}" is not an http(s) URL`);
  return raw!.replace(/\/+$/, '');
}
