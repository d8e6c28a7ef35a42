/**
 * Progress for long work: items done/total, generated tokens/s, ETA. Redraws one line on a
 * terminal; prints a plain line every few seconds otherwise (logs, CI).
 */
export interface ProgressOptions {
  label: string;
  total: number;
  stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when not a TTY. */
  intervalS?: number;
  /** Items already done before this process started (a resumed run). */
  done?: number;
}

export class Progress {
  private done: number;
  private tokens = 0;
  private readonly start = performance.now();
  private lastPrint = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly startDone: number;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY) && process.env.CI !== 'true';
    this.done = opts.done ?? 0;
    this.startDone = this.done;
  }

  /** One item finished, having generated `tokens` tokens. */
  tick(tokens = 0): void {
    this.done++;
    this.tokens += tokens;
    this.maybePrint(false);
  }

  addTokens(tokens: number): void {
    this.tokens += tokens;
    this.maybePrint(false);
  }

  finish(): void {
    this.maybePrint(true);
    if (this.tty) this.stream.write('\n');
  }

  line(): string {
    const secs = (performance.now() - this.start) / 1000;
    const rate = secs > 0 ? this.tokens / secs : 0;
    const newDone = this.done - this.startDone;
    const left = this.opts.total - this.done;
    const eta = newDone > 0 && left > 0 ? formatDuration((secs / newDone) * left) : left <= 0 ? 'done' : '?';
    const pct = this.opts.total > 0 ? Math.floor((100 * this.done) / this.opts.total) : 100;
    return `${this.opts.label}: ${this.done}/${this.opts.total} (${pct}%) | ${rate.toFixed(1)} tok/s | elapsed ${formatDuration(secs)} | ETA ${eta}`;
  }

  private maybePrint(force: boolean): void {
    const now = performance.now();
    const interval = this.tty ? 200 : (this.opts.intervalS ?? 10) * 1000;
    if (!force && now - this.lastPrint < interval) return;
    this.lastPrint = now;
    if (this.tty) this.stream.write(`\r\x1b[2K${this.line()}`);
    else this.stream.write(`${this.line()}\n`);
  }
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
