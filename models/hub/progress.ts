// Download progress on stderr: bytes, percent and speed per file. A terminal gets one line
// rewritten in place; a log (CI, tests, `2> file`) gets a line every few seconds and one at the end,
// so long downloads never look hung and logs stay short.

export interface DownloadProgressEvent {
  /** Hub id. */
  id: string;
  /** Path inside the repo, e.g. onnx/model_q4.onnx. */
  file: string;
  loaded: number;
  /** Expected size, when the hub told. */
  total?: number;
  elapsedMs: number;
  phase: 'start' | 'data' | 'done';
  /** Set on `done`: which checks the file passed. */
  verified?: { size: boolean; sha256: boolean };
}

export type DownloadProgress = (e: DownloadProgressEvent) => void;

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** `onnx/model.onnx  12.3 MB / 65.9 MB  18.7%  41.2 MB/s` */
export function formatProgressLine(e: DownloadProgressEvent): string {
  const seconds = Math.max(e.elapsedMs, 1) / 1000;
  const speed = `${formatBytes(e.loaded / seconds)}/s`;
  const size = e.total !== undefined ? `${formatBytes(e.loaded)} / ${formatBytes(e.total)}` : formatBytes(e.loaded);
  const pct = e.total ? `${((100 * e.loaded) / e.total).toFixed(1)}%` : e.phase === 'done' ? '100.0%' : '?%';
  const checks = e.verified ? `  ${[e.verified.size && 'size ok', e.verified.sha256 && 'sha256 ok'].filter(Boolean).join(', ') || 'unverified (no size or sha256 from the hub)'}` : '';
  return `  ${e.file}  ${size}  ${pct}  ${speed}${e.phase === 'done' ? `  in ${seconds.toFixed(1)} s${checks}` : ''}`;
}

export function stderrProgress(stream: NodeJS.WriteStream = process.stderr, logEveryMs = 5000): DownloadProgress {
  const tty = stream.isTTY === true;
  const every = tty ? 100 : logEveryMs;
  let lastWrite = 0;
  return (e) => {
    if (e.phase === 'start') {
      lastWrite = 0;
      return;
    }
    if (e.phase === 'data' && e.elapsedMs - lastWrite < every) return;
    lastWrite = e.elapsedMs;
    const line = formatProgressLine(e);
    if (tty) stream.write(`\r\x1b[2K${line}${e.phase === 'done' ? '\n' : ''}`);
    else stream.write(`${line}\n`);
  };
}
