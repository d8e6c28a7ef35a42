import { closeSync, openSync, readSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ScreenIo } from '../graph/screen-head';
import { ArrayHeadRows, LmHeadScreen, type HeadRows } from '../lm-head-screen';
import type { ModelRunner } from '../model-runner';
import { checkKernelOrder } from './kernel-order';

/**
 * The host side of a screened LM head: this machine's MatMul order (or undefined when it is
 * not one kernelDot reproduces), and the exact head rows, from the rewrite's weight file.
 */
export async function createScreen(io: ScreenIo, dir: string, threads?: number): Promise<LmHeadScreen | string> {
  const stride = await checkKernelOrder(io.hiddenSize, threads);
  if (stride === undefined) return "this CPU's float32 MatMul order is not one the exact rescoring reproduces";
  const { file, offset, length, transposed } = io.rows;
  if (file === undefined || offset === undefined || length !== io.vocab * io.hiddenSize * 4) return 'the head weights are not in the rewrite';
  const where = path.join(dir, file);
  if ((await stat(where)).size < offset + length) return 'the head weights are truncated';
  if (!transposed) return new LmHeadScreen(io, new FileHeadRows(where, offset, io.hiddenSize), stride);
  // [H, V] columns are strided in the file: read the whole head once and make it [V, H].
  const raw = new Float32Array(io.vocab * io.hiddenSize);
  const fh = await open(where, 'r');
  try {
    const buf = new Uint8Array(raw.buffer);
    for (let done = 0; done < length; ) {
      const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) return 'the head weights are truncated';
      done += bytesRead;
    }
  } finally {
    await fh.close();
  }
  const { vocab: V, hiddenSize: H } = io;
  const rows = new Float32Array(V * H);
  for (let k = 0; k < H; k++) for (let v = 0; v < V; v++) rows[v * H + k] = raw[k * V + v];
  return new LmHeadScreen(io, new ArrayHeadRows(rows, H), stride);
}

/**
 * Head rows read from the weight file when a candidate is rescored (a few per token, from
 * the page cache: the session has just read the same file), instead of a second in-memory
 * copy of the head: for a 150k-vocabulary model that copy is over 500 MB, seconds to load.
 */
class FileHeadRows implements HeadRows {
  private fd?: number;
  private readonly buf: Float32Array;
  private readonly bytes: Uint8Array;

  constructor(
    private readonly file: string,
    private readonly offset: number,
    hiddenSize: number,
  ) {
    this.buf = new Float32Array(hiddenSize);
    this.bytes = new Uint8Array(this.buf.buffer);
  }

  row(v: number): Float32Array {
    this.fd ??= openSync(this.file, 'r');
    const n = this.bytes.length;
    for (let done = 0; done < n; ) {
      const got = readSync(this.fd, this.bytes, done, n - done, this.offset + v * n + done);
      if (got === 0) throw new Error(`${this.file}: LM head row ${v} is truncated`);
      done += got;
    }
    return this.buf;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Checks on real steps that the screen's error bound holds: for a few prompts, the exact
 * logit of a sample of vocabulary entries (the screen's top ones and ones spread over the
 * vocabulary) lies within the bound of its screened value. Returns what failed, or undefined.
 */
export async function verifyScreen(runner: ModelRunner, screen: LmHeadScreen, vocab: number): Promise<string | undefined> {
  const prompts = [[1, 2, 3, 4, 5, 6, 7, 8], [vocab - 1, 7, vocab >> 1, 42]];
  const r = await runner.screenStep(prompts);
  const { logits, hidden, quantized } = r;
  const H = screen.hiddenSize;
  for (let i = 0; i < prompts.length; i++) {
    const E = screen.bound(hidden, quantized, i * H);
    const row = logits.subarray(i * vocab, (i + 1) * vocab);
    // The top 64 (those decide picks) and 192 spread over the vocabulary. Sorting a copy of
    // the values finds the 64th: sorting the indices by value took 0.1 s of every load.
    const sorted = Float32Array.from(row).sort();
    const top = sorted[Math.max(0, vocab - 64)];
    const sample = [...Array.from({ length: vocab }, (_, v) => v).filter((v) => row[v] >= top).slice(0, 64), ...Array.from({ length: 192 }, (_, j) => Math.floor(((j + 0.5) * vocab) / 192))];
    for (const v of sample) {
      const x = screen.exact(hidden, i * H, v);
      if (!(Math.abs(x - row[v]) <= E)) return `screened logit ${row[v]} of entry ${v} is ${Math.abs(x - row[v])} from the exact ${x}, beyond the bound ${E}`;
    }
  }
  return undefined;
}
