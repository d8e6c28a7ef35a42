import os from 'node:os';
import path from 'node:path';

/** The project's cache root: $IPDIALOG_CACHE, else $XDG_CACHE_HOME/ipdialog, else ~/.cache/ipdialog. */
export function cacheDir(...parts: string[]): string {
  const root =
    process.env.IPDIALOG_CACHE ??
    path.join(process.env.XDG_CACHE_HOME && process.env.XDG_CACHE_HOME !== '' ? process.env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache'), 'ipdialog');
  return path.join(root, ...parts);
}
