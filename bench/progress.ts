/**
 * Progress for long work: items done/total, generated tokens/s, ETA. Redraws one line on a
 * terminal; prints a plain line every few seconds otherwise (logs, CI).
 *
 * The ETA is estimated from tokens, not items: with continuous batching every request runs
 * at once and items finish late and together, so "time per finished item" says little (the
 * first item of a 56 s job used to show 32 minutes). Tokens generated so far (finished items
 * plus what running items have streamed) give the rate; tokens still to generate are, per
 * unfinished item, the mean length of the finished ones less what it already streamed. Before
 * any item has finished, the output limit stands in for the length: the ETA is then a bound (≤).
 */
export interface ProgressOptions {
  label: string;
  total: number;
  stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when not a TTY. */
  intervalS?: number;
  /** Items already done before this process started (a resumed run). */
  done?: number;
  /** The most tokens an item may generate: bounds the ETA until an item has finished. */
  maxTokensPerItem?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

export class Progress {
  private done: number;
  private readonly startDone: number;
  /** Tokens generated in this process: finished items' exact counts plus running items' streamed ones. */
  private generated = 0;
  /** Finished items of this process and their tokens: the length estimate. */
  private finishedItems = 0;
  private finishedTokens = 0;
  /** Streamed token pieces of items still running, by key. */
  private readonly running = new Map<string, number>();
  private readonly now: () => number;
  private readonly start: number;
  private lastPrint = -Infinity;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY) && process.env.CI !== 'true';
    this.done = opts.done ?? 0;
    this.startDone = this.done;
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
  }

  /** A running item (`key`) produced one more piece of text, about one token. */
  streamed(key: string): void {
    this.running.set(key, (this.running.get(key) ?? 0) + 1);
    this.generated++;
    this.maybePrint(false);
  }

  /** One item finished, having generated `tokens` tokens (replacing what its key streamed). */
  tick(tokens = 0, key?: string): void {
    const streamed = key === undefined ? 0 : (this.running.get(key) ?? 0);
    if (key !== undefined) this.running.delete(key);
    this.generated += tokens - streamed;
    this.done++;
    this.finishedItems++;
    this.finishedTokens += tokens;
    this.maybePrint(false);
  }

  /** Tokens spent outside finished items (e.g. calls that are not items of their own). */
  addTokens(tokens: number): void {
    this.generated += tokens;
    this.maybePrint(false);
  }

  finish(): void {
    this.maybePrint(true);
    if (this.tty) this.stream.write('\n');
  }

  /** Seconds left (`bound`: at most), or undefined while there is nothing to estimate from. */
  eta(): { seconds: number; bound: boolean } | undefined {
    const left = this.opts.total - this.done;
    if (left <= 0) return { seconds: 0, bound: false };
    const secs = (this.now() - this.start) / 1000;
    const rate = secs > 0 ? this.generated / secs : 0;
    if (rate <= 0) return undefined;
    const known = this.finishedItems > 0 && this.finishedTokens > 0;
    const length = known ? this.finishedTokens / this.finishedItems : this.opts.maxTokensPerItem;
    if (length === undefined) {
      // No token counts per item (e.g. datagen units): time per finished item, if any.
      const newDone = this.done - this.startDone;
      return newDone > 0 ? { seconds: (secs / newDone) * left, bound: false } : undefined;
    }
    let remaining = (left - this.running.size) * length;
    for (const streamed of this.running.values()) remaining += Math.max(length - streamed, 0);
    return { seconds: remaining / rate, bound: !known };
  }

  /** Seconds left, or undefined while there is nothing to estimate from. */
  etaSeconds(): number | undefined {
    return this.eta()?.seconds;
  }

  line(): string {
    const secs = (this.now() - this.start) / 1000;
    const rate = secs > 0 ? this.generated / secs : 0;
    const left = this.opts.total - this.done;
    const e = this.eta();
    const eta = left <= 0 ? 'done' : e ? `${e.bound ? '≤' : ''}${formatDuration(e.seconds)}` : '?';
    const pct = this.opts.total > 0 ? Math.floor((100 * this.done) / this.opts.total) : 100;
    return `${this.opts.label}: ${this.done}/${this.opts.total} (${pct}%) | ${rate.toFixed(1)} tok/s | elapsed ${formatDuration(secs)} | ETA ${eta}`;
  }

  private maybePrint(force: boolean): void {
    const now = this.now();
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
