// Brings one hub model into transformers.js' cache folder, file by file, and returns the folder.
// Cache first: a file already under its cache name is used without asking the network (that is
// what makes a second run work offline); only missing files are fetched, pinned to the commit the
// cached ones came from, so one folder never mixes two revisions.
import { existsSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { IpdError } from '../../common';
import { AUTO_DTYPE_ORDER, onnxFileName, type Dtype } from '../dtype';
import { downloadHubFile } from './download-file';
import { hubFileError, notCachedError, type HubFileContext } from './errors';
import { readManifest, writeManifest, type HubManifest } from './manifest';
import { OPTIONAL_FILES, REQUIRED_FILES, autoDtypeCandidates, onnxFilesFor } from './model-files';
import { formatBytes, type DownloadProgress } from './progress';
import { remoteFileInfo, type RemoteFileInfo } from './remote-file';
import { hubFileUrl, hubModelFolder, type HubSettings } from './settings';

export interface FetchModelOptions {
  dtype?: Dtype | 'auto';
  modelFileName?: string;
  revision?: string;
  progress?: DownloadProgress;
  /** Where to say what is happening (the download banner); default stderr. */
  log?: (line: string) => void;
}

export interface FetchedModel {
  folder: string;
  dtype: Dtype;
  revision?: string;
  downloaded: string[];
}

const COMMIT = /^[0-9a-f]{40}$/;

class ModelFetch {
  readonly folder: string;
  manifest!: HubManifest;
  readonly downloaded: string[] = [];
  private readonly infos = new Map<string, RemoteFileInfo>();
  private announced = false;
  private dirty = false;

  constructor(
    readonly id: string,
    readonly s: HubSettings,
    readonly requestedRevision: string,
    readonly opts: FetchModelOptions,
  ) {
    this.folder = hubModelFolder(s.cacheRoot, id, requestedRevision);
  }

  /** Missing files are asked for at the commit the cached files came from, once it is known. */
  private urlRevision(): string {
    const m = this.manifest;
    return m.revision && m.revisionKind === 'commit' && COMMIT.test(m.revision) ? m.revision : this.requestedRevision;
  }

  ctx(file: string, url?: string): HubFileContext {
    return { id: this.id, file, url, folder: this.folder };
  }

  cachedPath(file: string): string | undefined {
    const p = path.join(this.folder, file);
    if (!existsSync(p)) return undefined;
    const known = this.manifest.files[file];
    // A size that differs from what we verified means the file changed after the download.
    if (known && statSync(p).size !== known.size) return undefined;
    return p;
  }

  private async info(file: string): Promise<RemoteFileInfo> {
    const url = hubFileUrl(this.s, this.id, this.urlRevision(), file);
    const hit = this.infos.get(url);
    if (hit) return hit;
    let info: RemoteFileInfo;
    try {
      info = await remoteFileInfo(this.s.fetch, url);
    } catch (err) {
      const e = err as Error;
      throw hubFileError('network', this.ctx(file, url), e.cause ? `${e.message} (${String(e.cause)})` : e.message, err);
    }
    this.infos.set(url, info);
    if (info.commit && COMMIT.test(info.commit) && this.manifest.revisionKind !== 'commit') {
      this.manifest.revision = info.commit;
      this.manifest.revisionKind = 'commit';
    }
    return info;
  }

  /** Makes `file` present in the cache; false only for an optional file the hub does not have. */
  async ensure(file: string, required: boolean): Promise<boolean> {
    if (this.cachedPath(file)) return true;
    if (!required && this.manifest.absent.includes(file)) return false;
    if (this.s.offline) {
      if (!required) return false;
      throw notCachedError(this.ctx(file), this.s.offlineReason ?? 'offline', this.s.cacheRoot);
    }
    const info = await this.info(file);
    if (!info.found) {
      if (!required && info.status === 404) {
        this.manifest.absent.push(file);
        this.dirty = true;
        return false;
      }
      const detail = `HTTP ${info.status}${info.errorMessage ? ` (${info.errorMessage})` : ''}`;
      throw hubFileError(info.status === 404 ? 'not-found' : info.status === 401 || info.status === 403 ? 'denied' : 'http', this.ctx(file, info.url), detail);
    }
    this.announce();
    const dest = path.join(this.folder, file);
    await rm(dest, { force: true }); // a changed file (size mismatch) is replaced, never trusted
    // The bytes come from the commit the HEAD answer named, even when it was asked for `main`.
    const pinned = info.commit && COMMIT.test(info.commit) ? { ...info, url: hubFileUrl(this.s, this.id, info.commit, file) } : info;
    const got = await downloadHubFile({ fetchFn: this.s.fetch, info: pinned, dest, ctx: this.ctx(file, pinned.url), progress: this.opts.progress });
    if (file === 'config.json' && !this.manifest.revision && info.etag) {
      this.manifest.revision = info.etag;
      this.manifest.revisionKind = 'config-etag';
    }
    this.manifest.files[file] = { size: got.size, sha256: got.sha256, sha256Verified: got.verified.sha256, downloadedAt: new Date().toISOString() };
    this.manifest.absent = this.manifest.absent.filter((f) => f !== file);
    this.manifest.host = this.s.remoteHost;
    this.downloaded.push(file);
    await writeManifest(this.folder, this.manifest);
    return true;
  }

  async saveIfChanged(): Promise<void> {
    if (this.dirty) await writeManifest(this.folder, this.manifest);
  }

  private announce(): void {
    if (this.announced) return;
    this.announced = true;
    const log = this.opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
    log(`downloading ${this.id} (revision ${this.urlRevision()}) from ${this.s.remoteHost} into ${this.folder}`);
  }

  /** `auto`: a dtype already in the cache, else the export's own choice, else the first on the hub. */
  async chooseDtype(config: Record<string, unknown>, requested: Dtype | 'auto', baseName: string): Promise<Dtype> {
    if (requested !== 'auto') return requested;
    const cached = AUTO_DTYPE_ORDER.find((d) => this.cachedPath(onnxFileName(d, baseName)));
    if (cached) return cached;
    if (this.s.offline) throw notCachedError(this.ctx(`onnx/${baseName}*.onnx`), this.s.offlineReason ?? 'offline', this.s.cacheRoot);
    const tried: string[] = [];
    for (const d of autoDtypeCandidates(config)) {
      const info = await this.info(onnxFileName(d, baseName));
      if (info.found) return d;
      tried.push(`${onnxFileName(d, baseName)} (HTTP ${info.status})`);
    }
    throw new IpdError('MODEL_NOT_FOUND', `${this.id} has no ONNX graph on ${this.s.remoteHost} (--dtype auto tried ${tried.join(', ')}); cache folder ${this.folder}`, {
      file: this.folder,
      hint: 'only repositories in the transformers.js layout load (onnx-community/* exports do; onnxruntime-genai folders such as cpu_and_mobile/ do not); see `ipdialog models`',
    });
  }
}

export async function fetchHubModel(id: string, s: HubSettings, opts: FetchModelOptions = {}): Promise<FetchedModel> {
  const f = new ModelFetch(id, s, opts.revision ?? 'main', opts);
  f.manifest = await readManifest(f.folder, id);
  const baseName = opts.modelFileName ?? 'model';

  await f.ensure('config.json', true);
  const config = await readConfig(path.join(f.folder, 'config.json'));
  for (const file of REQUIRED_FILES) await f.ensure(file, true);
  for (const file of OPTIONAL_FILES) await f.ensure(file, false);

  const dtype = await f.chooseDtype(config, opts.dtype ?? 'auto', baseName);
  const { graph, declaredData } = await onnxFilesFor(id, config, dtype, baseName);
  await f.ensure(graph, true);
  for (const file of declaredData) await f.ensure(file, true);
  // Exports that do not declare their external data still ship it as <graph>_data.
  if (declaredData.length === 0) await f.ensure(`${graph}_data`, false);

  await f.saveIfChanged();
  if (f.downloaded.length > 0) {
    const bytes = f.downloaded.reduce((n, file) => n + (f.manifest.files[file]?.size ?? 0), 0);
    (opts.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`downloaded ${f.downloaded.length} file(s), ${formatBytes(bytes)}, of ${id} into ${f.folder}`);
  }
  return { folder: f.folder, dtype, revision: f.manifest.revision, downloaded: f.downloaded };
}

async function readConfig(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new IpdError('MODEL_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, { file, hint: 'delete the file to download it again', cause: err });
  }
}
