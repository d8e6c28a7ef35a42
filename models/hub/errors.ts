// Every failure of the hub path names the model id, the file, the URL and the cache folder, so a
// user can tell a wrong id from a broken network from a bad mirror, and knows what was (not) kept.
import { IpdError } from '../../common';

export interface HubFileContext {
  id: string;
  /** Path inside the repo. */
  file: string;
  url?: string;
  /** The model's cache folder. */
  folder: string;
}

export type HubFailure = 'not-found' | 'denied' | 'http' | 'network' | 'truncated' | 'checksum';

const HINTS: Record<HubFailure, (c: HubFileContext) => string> = {
  'not-found': (c) =>
    c.file.startsWith('onnx/')
      ? `check --dtype: the repository has no ${c.file}; repositories must be in the transformers.js layout (onnx/model*.onnx), see \`ipdialog models\``
      : `check the model id ${c.id}; repositories must be in the transformers.js layout (config.json, tokenizer files, onnx/model*.onnx), see \`ipdialog models\``,
  denied: () => 'the repository does not exist, is private, or is gated: check the id, accept its license on the hub and set HF_TOKEN',
  http: () => 'the hub or mirror failed; run the command again later',
  network: () => 'check the network or the hub URL (IPDIALOG_HUB_URL / HF_ENDPOINT); with --offline only the cache is used',
  truncated: () => 'the connection ended early; run the command again (the partial file was discarded)',
  checksum: () => 'the bytes differ from the hub\'s sha256 (a broken mirror or proxy?); run the command again, or report it to the repository owner',
};

export function hubFileError(kind: HubFailure, ctx: HubFileContext, detail: string, cause?: unknown): IpdError {
  const code = kind === 'not-found' || kind === 'denied' ? 'MODEL_NOT_FOUND' : 'DATA_DOWNLOAD';
  const where = ctx.url ? ` from ${ctx.url}` : '';
  return new IpdError(code, `cannot download ${ctx.file} of ${ctx.id}${where}: ${detail}; nothing of it was kept in the cache folder ${ctx.folder}`, {
    file: ctx.folder,
    field: ctx.file,
    hint: HINTS[kind](ctx),
    cause,
  });
}

/** The model (or one of its files) is not in the cache and the network may not be used. */
export function notCachedError(ctx: HubFileContext, reason: string, cacheRoot: string): IpdError {
  return new IpdError('MODEL_NOT_FOUND', `${ctx.id} is not in the cache (offline by ${reason}): ${ctx.file} is missing from ${ctx.folder}`, {
    file: ctx.folder,
    hint: `run once with network and without --offline to download it into ${cacheRoot} (IPDIALOG_CACHE / XDG_CACHE_HOME move it), or pass a local model folder`,
  });
}
