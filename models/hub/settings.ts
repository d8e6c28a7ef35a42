// Where hub files come from and where they go. The source of truth is transformers.js' own `env`
// (remoteHost, remotePathTemplate, cacheDir, allowRemoteModels), so a program or test that points
// `env.remoteHost` somewhere else redirects our downloads too, and files we download land where
// transformers.js looks for them (its FileCache layout: <cacheDir>/<org>/<name>/<file>).
import path from 'node:path';
import { cacheDir } from '../../common/node';

/** The fields of transformers.js' `env` that the hub path reads or sets. */
interface TransformersHubEnv {
  remoteHost: string;
  remotePathTemplate: string;
  cacheDir: string | null;
  allowRemoteModels: boolean;
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
}

export interface HubSettings {
  /** e.g. https://huggingface.co/ (always ends with a slash). */
  remoteHost: string;
  /** e.g. {model}/resolve/{revision}/ */
  pathTemplate: string;
  /** transformers.js' file-cache root; a model lives in <cacheRoot>/<org>/<name>/. */
  cacheRoot: string;
  offline: boolean;
  /** What made this run offline, for error messages. */
  offlineReason?: string;
  fetch: TransformersHubEnv['fetch'];
}

/** Environment variables that name another hub (a mirror, or a loopback server in tests). */
export const HUB_URL_VARS = ['IPDIALOG_HUB_URL', 'HF_ENDPOINT'] as const;

let cacheRootWeSet: string | undefined;

async function transformersEnv(): Promise<TransformersHubEnv> {
  const { env } = await import('@huggingface/transformers');
  return env as unknown as TransformersHubEnv;
}

/** transformers.js' default cache sits inside node_modules, which a reinstall wipes. */
function isPackageDefaultCache(dir: string | null): boolean {
  if (!dir) return true;
  const norm = path.resolve(dir);
  return norm.endsWith(path.join('@huggingface', 'transformers', '.cache')) || norm.endsWith(path.join('@huggingface', 'transformers', 'dist', '.cache'));
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());
}

/**
 * Reads (and where needed sets) transformers.js' hub configuration:
 * - IPDIALOG_HUB_URL or HF_ENDPOINT, when set, become `env.remoteHost`;
 * - `env.cacheDir`, while it is still the package default (or our own earlier choice), becomes
 *   the project cache ($IPDIALOG_CACHE or $XDG_CACHE_HOME/ipdialog, then `hub/`), so downloads
 *   survive reinstalls and tests can isolate them; a cacheDir set by the host program is kept;
 * - offline when asked, when HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE is set, or when the program
 *   has set `env.allowRemoteModels = false`.
 */
export async function hubSettings(opts: { offline?: boolean } = {}): Promise<HubSettings> {
  const env = await transformersEnv();
  const override = HUB_URL_VARS.map((v) => process.env[v]).find((v) => v !== undefined && v !== '');
  if (override) env.remoteHost = override;
  if (!env.remoteHost.endsWith('/')) env.remoteHost += '/';
  if (isPackageDefaultCache(env.cacheDir) || env.cacheDir === cacheRootWeSet) {
    cacheRootWeSet = cacheDir('hub');
    env.cacheDir = cacheRootWeSet;
  }
  const offlineReason = opts.offline
    ? '--offline'
    : truthy(process.env.HF_HUB_OFFLINE)
      ? 'HF_HUB_OFFLINE'
      : truthy(process.env.TRANSFORMERS_OFFLINE)
        ? 'TRANSFORMERS_OFFLINE'
        : env.allowRemoteModels === false
          ? 'transformers.js env.allowRemoteModels = false'
          : undefined;
  return {
    remoteHost: env.remoteHost,
    pathTemplate: env.remotePathTemplate,
    cacheRoot: path.resolve(env.cacheDir as string),
    offline: offlineReason !== undefined,
    offlineReason,
    fetch: env.fetch ?? globalThis.fetch,
  };
}

/** The URL transformers.js would fetch for one file of a repo at a revision. */
export function hubFileUrl(s: Pick<HubSettings, 'remoteHost' | 'pathTemplate'>, id: string, revision: string, file: string): string {
  const dir = s.pathTemplate.replaceAll('{model}', id).replaceAll('{revision}', encodeURIComponent(revision));
  return `${s.remoteHost}${dir.endsWith('/') ? dir : `${dir}/`}${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** transformers.js' FileCache key: the main revision is `<org>/<name>/`, others `<org>/<name>/<revision>/`. */
export function hubModelFolder(cacheRoot: string, id: string, revision = 'main'): string {
  const [org, name] = id.split('/');
  return revision === 'main' ? path.join(cacheRoot, org, name) : path.join(cacheRoot, org, name, revision);
}
