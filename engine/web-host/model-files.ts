import { IpdError } from '../../common';

/** Where a browser gets a model folder from: a URL base serving the folder, or the files of a picked folder. */
export type ModelSource = { kind: 'url'; baseUrl: string } | { kind: 'files'; files: readonly File[] };

export interface ReadProgress {
  file: string;
  loadedBytes: number;
  totalBytes?: number;
}

/** Read access to the files of one model folder, by path relative to the folder ("onnx/model.onnx"). */
export interface ModelFiles {
  /** "the folder at URL" or 'the picked folder "NAME"', for messages. */
  readonly label: string;
  has(path: string): Promise<boolean>;
  text(path: string): Promise<string>;
  bytes(path: string, onProgress?: (p: ReadProgress) => void): Promise<Uint8Array>;
}

export function openModelFiles(source: ModelSource): ModelFiles {
  return source.kind === 'url' ? new UrlFiles(source.baseUrl) : new PickedFiles(source.files);
}

const notFound = (label: string, path: string, url: string) => new IpdError('MODEL_NOT_FOUND', `missing ${path} in ${label}`, { file: url });

class UrlFiles implements ModelFiles {
  readonly label: string;
  private readonly base: URL;

  constructor(baseUrl: string) {
    // A base without a trailing slash would resolve "config.json" next to the folder, not in it.
    const withSlash = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.base = new URL(withSlash, typeof location === 'undefined' ? undefined : location.href);
    this.label = `the folder at ${this.base.href}`;
  }

  private url(path: string): string {
    return new URL(path, this.base).href;
  }

  private async get(path: string, init?: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.url(path), init);
    } catch (err) {
      throw new IpdError('MODEL_NOT_FOUND', `cannot fetch ${this.url(path)}: ${(err as Error).message}`, {
        file: this.url(path),
        hint: 'the server must be reachable and allow cross-origin requests (CORS) from this page',
        cause: err,
      });
    }
    return res;
  }

  /** A single-page-app server answers every path with its index.html: that is not the file. */
  private static isFile(res: Response, path: string): boolean {
    return res.ok && !(/text\/html/i.test(res.headers.get('content-type') ?? '') && !/\.html?$/.test(path));
  }

  async has(path: string): Promise<boolean> {
    const res = await this.get(path, { method: 'HEAD' });
    return UrlFiles.isFile(res, path);
  }

  async text(path: string): Promise<string> {
    const res = await this.get(path);
    if (!UrlFiles.isFile(res, path)) throw notFound(this.label, path, this.url(path));
    return res.text();
  }

  async bytes(path: string, onProgress?: (p: ReadProgress) => void): Promise<Uint8Array> {
    const res = await this.get(path);
    if (!UrlFiles.isFile(res, path)) throw notFound(this.label, path, this.url(path));
    const total = Number(res.headers.get('content-length')) || undefined;
    if (!res.body || !onProgress) return new Uint8Array(await res.arrayBuffer());
    // Streamed so a large graph shows download progress; one copy at the end.
    const parts: Uint8Array[] = [];
    let loaded = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      loaded += value.length;
      onProgress({ file: path, loadedBytes: loaded, totalBytes: total });
    }
    const out = new Uint8Array(loaded);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

class PickedFiles implements ModelFiles {
  readonly label: string;
  private readonly byPath = new Map<string, File>();

  constructor(files: readonly File[]) {
    // webkitRelativePath is "<picked folder>/onnx/model.onnx"; the first segment is the folder.
    const rel = files.map((f) => ({ file: f, parts: (f.webkitRelativePath || f.name).split('/') }));
    const top = rel.length && rel.every((r) => r.parts.length > 1 && r.parts[0] === rel[0].parts[0]) ? rel[0].parts[0] : '';
    let entries = rel.map((r) => ({ file: r.file, path: (top ? r.parts.slice(1) : r.parts).join('/') }));
    // A parent folder holding exactly one model folder is accepted too.
    if (!entries.some((e) => e.path === 'config.json')) {
      const roots = [...new Set(entries.filter((e) => /^[^/]+\/config\.json$/.test(e.path)).map((e) => e.path.split('/')[0]))];
      if (roots.length === 1) entries = entries.filter((e) => e.path.startsWith(`${roots[0]}/`)).map((e) => ({ file: e.file, path: e.path.slice(roots[0].length + 1) }));
    }
    for (const e of entries) this.byPath.set(e.path, e.file);
    this.label = top ? `the picked folder "${top}"` : 'the picked files';
  }

  async has(path: string): Promise<boolean> {
    return this.byPath.has(path);
  }

  private file(path: string): File {
    const f = this.byPath.get(path);
    if (!f) throw new IpdError('MODEL_NOT_FOUND', `missing ${path} in ${this.label}`, { file: path });
    return f;
  }

  async text(path: string): Promise<string> {
    return this.file(path).text();
  }

  async bytes(path: string, onProgress?: (p: ReadProgress) => void): Promise<Uint8Array> {
    const f = this.file(path);
    const out = new Uint8Array(await f.arrayBuffer());
    onProgress?.({ file: path, loadedBytes: out.length, totalBytes: out.length });
    return out;
  }
}
