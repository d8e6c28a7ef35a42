// What the hub says about one file, read the way huggingface_hub reads it: a HEAD request that
// does not follow the redirect to the CDN, because only the hub's own response carries the LFS
// sha256 (X-Linked-Etag), the size (X-Linked-Size) and the commit (X-Repo-Commit).

export interface RemoteFileInfo {
  url: string;
  /** HTTP status of the hub's answer (a 3xx to the CDN counts as found). */
  status: number;
  found: boolean;
  size?: number;
  /** Lower-case hex, when the hub's ETag is a sha256 (LFS files). */
  sha256?: string;
  /** The raw entity tag without quotes (git blob sha1 for small files). */
  etag?: string;
  /** X-Repo-Commit: the commit the revision resolved to. */
  commit?: string;
  /** X-Error-Code / X-Error-Message of a failed answer, when the hub sent them. */
  errorCode?: string;
  errorMessage?: string;
}

export type FetchFn = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Headers for hub requests: no compression (sizes must match bytes), the token for huggingface.co. */
export function hubRequestHeaders(url: string): Record<string, string> {
  const headers: Record<string, string> = { 'Accept-Encoding': 'identity', 'User-Agent': 'ipdialog (transformers.js layout)' };
  const token = process.env.HF_TOKEN ?? process.env.HF_ACCESS_TOKEN;
  // Like transformers.js: the token goes to the hub itself only, never to mirrors or other hosts.
  if (token && /^https:\/\/(huggingface\.co|hf\.co)\//.test(url)) headers.Authorization = `Bearer ${token}`;
  return headers;
}

export function stripEtag(raw: string | null): string | undefined {
  if (!raw) return undefined;
  if (raw.startsWith('W/')) return undefined; // a weak tag names no exact bytes
  return raw.replace(/^"|"$/g, '');
}

function intHeader(v: string | null): number | undefined {
  if (v === null || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

/** Reads a file's metadata; follows the hub's relative redirects (renamed repos), not the CDN's. */
export async function remoteFileInfo(fetchFn: FetchFn, url: string): Promise<RemoteFileInfo> {
  let current = url;
  for (let hop = 0; hop < 5; hop++) {
    const res = await fetchFn(current, { method: 'HEAD', redirect: 'manual', headers: hubRequestHeaders(current) });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location?.startsWith('/')) {
      current = new URL(location, current).toString();
      continue;
    }
    const found = res.status >= 200 && res.status < 400;
    const etag = stripEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
    return {
      url,
      status: res.status,
      found,
      // A redirect's Content-Length is the size of its own body, not of the file.
      size: intHeader(res.headers.get('x-linked-size')) ?? (res.status === 200 ? intHeader(res.headers.get('content-length')) : undefined),
      sha256: etag && /^[0-9a-f]{64}$/i.test(etag) ? etag.toLowerCase() : undefined,
      etag,
      commit: res.headers.get('x-repo-commit') ?? undefined,
      errorCode: res.headers.get('x-error-code') ?? undefined,
      errorMessage: res.headers.get('x-error-message') ?? undefined,
    };
  }
  return { url, status: 310, found: false, errorMessage: 'too many redirects' };
}
