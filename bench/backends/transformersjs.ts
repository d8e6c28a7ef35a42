// transformers.js `generate()` as a backend: the reference this project's engine is measured
// against, run the way a careful user runs it (static left-padded batches of prompts sorted by
// length, greedy or sampled, the same model file, device and thread count).
import type { BaseStreamer, PreTrainedModel, Tensor } from '@huggingface/transformers';
import { IpdError, type TextGenerator, type TextRequest, type TextResult } from '../../common';
import { encodeTextRequest, type PromptMode } from '../../engine';
import { loadTokenizer, type Dtype, type TextTokenizer } from '../../models';
import type { ResolvedModel } from '../../models/node';

export interface ReferenceOptions {
  /** Rows per static batch (default 8). */
  batchSize?: number;
  threads?: number;
  device?: 'cpu' | 'webgpu' | 'cuda';
}

export interface IdRequest {
  promptIds: readonly number[];
  maxNewTokens: number;
}

/** Where a reference run spent its time; decode tokens count every row of every step. */
export interface ReferenceStats {
  numBatches: number;
  numPromptTokens: number;
  numDecodeTokens: number;
  prefillMs: number;
  decodeMs: number;
}

/**
 * transformers.js itself, imported when a reference is loaded: a static import would load it in
 * every process of the CLI (about 0.13 s), the engine's measured processes included.
 */
type TransformersJs = typeof import('@huggingface/transformers');

/** Times each generate() step: the first put is the prompt, the second ends the prefill. */
function stepClock(Base: typeof BaseStreamer): BaseStreamer & { times: number[] } {
  return new (class extends Base {
    times: number[] = [];
    override put(): void {
      this.times.push(performance.now());
    }
    override end(): void {
      this.times.push(performance.now());
    }
  })();
}

/** transformers.js on token ids: one model, static batches, greedy unless asked otherwise. */
export class TransformersJsReference {
  readonly stats: ReferenceStats = { numBatches: 0, numPromptTokens: 0, numDecodeTokens: 0, prefillMs: 0, decodeMs: 0 };

  private constructor(
    private readonly tjs: TransformersJs,
    private readonly model: PreTrainedModel,
    readonly batchSize: number,
    private readonly padId: number,
  ) {}

  static async load(model: Pick<ResolvedModel, 'dir' | 'dtype' | 'config'>, opts: ReferenceOptions = {}): Promise<TransformersJsReference> {
    const batchSize = opts.batchSize ?? 8;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new IpdError('USAGE', `reference batch size must be a positive integer (got ${batchSize})`);
    const device = opts.device ?? 'cpu';
    const session_options = opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : undefined;
    const tjs = await import('@huggingface/transformers');
    let loaded: PreTrainedModel;
    try {
      loaded = await tjs.AutoModelForCausalLM.from_pretrained(model.dir, { dtype: model.dtype as never, device, ...(session_options && { session_options }) });
    } catch (err) {
      throw new IpdError('MODEL_INVALID', `transformers.js cannot load ${model.dir} (${model.dtype}, ${device}): ${(err as Error).message.split('\n')[0]}`, { file: model.dir, cause: err });
    }
    const pad = model.config.padTokenId ?? model.config.eosTokenIds[0] ?? 0;
    return new TransformersJsReference(tjs, loaded, batchSize, pad);
  }

  /**
   * All requests in static batches of prompts sorted by length, so each batch pads little;
   * each batch runs to its largest limit and every output is cut to its own. Outputs come
   * back in the order given; `onBatchDone` hears how many of the length-sorted requests are done.
   */
  async generateAll(
    reqs: readonly IdRequest[],
    sampling: { temperature?: number; topP?: number; topK?: number } = {},
    onBatchDone?: (numDone: number) => void,
  ): Promise<number[][]> {
    const order = reqs.map((_, i) => i).sort((a, b) => reqs[a].promptIds.length - reqs[b].promptIds.length || a - b);
    const out: number[][] = new Array(reqs.length);
    for (let b = 0; b < order.length; b += this.batchSize) {
      const idx = order.slice(b, b + this.batchSize);
      const ids = await this.generateBatch(idx.map((i) => reqs[i]), sampling);
      idx.forEach((i, j) => (out[i] = ids[j]));
      onBatchDone?.(b + idx.length);
    }
    return out;
  }

  /** One left-padded static batch through `model.generate`. */
  async generateBatch(batch: readonly IdRequest[], sampling: { temperature?: number; topP?: number; topK?: number } = {}): Promise<number[][]> {
    const S = Math.max(...batch.map((r) => r.promptIds.length));
    const ids = new BigInt64Array(batch.length * S).fill(BigInt(this.padId));
    const mask = new BigInt64Array(batch.length * S);
    batch.forEach((r, i) => {
      const pad = S - r.promptIds.length;
      r.promptIds.forEach((t, j) => {
        ids[i * S + pad + j] = BigInt(t);
        mask[i * S + pad + j] = 1n;
      });
      this.stats.numPromptTokens += r.promptIds.length;
    });
    const clock = stepClock(this.tjs.BaseStreamer);
    const greedy = !sampling.temperature;
    const out = (await this.model.generate({
      input_ids: new this.tjs.Tensor('int64', ids, [batch.length, S]),
      attention_mask: new this.tjs.Tensor('int64', mask, [batch.length, S]),
      max_new_tokens: Math.max(...batch.map((r) => r.maxNewTokens)),
      do_sample: !greedy,
      ...(!greedy && { temperature: sampling.temperature, top_p: sampling.topP ?? 1, top_k: sampling.topK ?? 0 }),
      pad_token_id: this.padId,
      streamer: clock as never,
    } as never)) as Tensor;
    const steps = clock.times.length - 2; // the prompt put and end() are not steps
    this.stats.numBatches++;
    this.stats.prefillMs += clock.times[1] - clock.times[0];
    this.stats.decodeMs += clock.times[clock.times.length - 1] - clock.times[1];
    this.stats.numDecodeTokens += Math.max(0, steps - 1) * batch.length;
    const data = out.data as BigInt64Array;
    const width = out.dims[1];
    return batch.map((r, i) => Array.from(data.subarray(i * width + S, (i + 1) * width), Number).slice(0, r.maxNewTokens));
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

interface Queued {
  req: TextRequest;
  promptIds: number[];
  start: number;
  resolve(r: TextResult): void;
  reject(e: unknown): void;
}

/**
 * `--backend transformersjs`: any command's requests through the reference. Requests that
 * arrive together (a run submits all of its items at once) are sorted by prompt length and
 * run in static batches; text is cut at EOS and at stop strings afterwards.
 */
export class TransformersJsGenerator implements TextGenerator {
  private readonly queue: Queued[] = [];
  private running = false;

  private constructor(
    private readonly ref: TransformersJsReference,
    private readonly model: ResolvedModel,
    private readonly tokenizer: TextTokenizer,
    private readonly promptMode: PromptMode,
  ) {}

  static async create(model: ResolvedModel, opts: ReferenceOptions & { promptMode?: PromptMode } = {}): Promise<TransformersJsGenerator> {
    const [ref, tokenizer] = await Promise.all([TransformersJsReference.load(model, opts), loadTokenizer(model.dir)]);
    return new TransformersJsGenerator(ref, model, tokenizer, opts.promptMode ?? 'chat');
  }

  get modelId(): string {
    return this.model.id;
  }

  get device(): string {
    return 'cpu';
  }

  get description(): string {
    return `transformersjs generate() static batches of ${this.ref.batchSize}, ${this.model.dtype}`;
  }

  generate(req: TextRequest): Promise<TextResult> {
    if (req.temperature && req.seed !== undefined) {
      return Promise.reject(new IpdError('USAGE', 'the transformers.js reference cannot seed sampling per request', { hint: 'use greedy decoding (temperature 0) with --backend transformersjs' }));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ req, promptIds: encodeTextRequest(this.tokenizer, req, this.promptMode), start: performance.now(), resolve, reject });
      // Requests submitted in the same tick are sorted and batched together.
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        this.queue.sort((a, b) => a.promptIds.length - b.promptIds.length);
        const head = this.queue[0].req;
        // One batch shares its sampling settings.
        const same = (q: Queued) => q.req.temperature === head.temperature && q.req.topP === head.topP && q.req.topK === head.topK;
        const batch = this.queue.filter(same).slice(0, this.ref.batchSize);
        for (const q of batch) this.queue.splice(this.queue.indexOf(q), 1);
        try {
          const outs = await this.ref.generateBatch(
            batch.map((q) => ({ promptIds: q.promptIds, maxNewTokens: q.req.maxNewTokens })),
            { temperature: head.temperature, topP: head.topP, topK: head.topK },
          );
          batch.forEach((q, i) => q.resolve(this.result(q, outs[i])));
        } catch (err) {
          for (const q of batch) q.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private result(q: Queued, ids: number[]): TextResult {
    const eos = this.model.config.eosTokenIds;
    const end = ids.findIndex((t) => eos.includes(t));
    const tokenIds = end >= 0 ? ids.slice(0, end + 1) : ids;
    let text = this.tokenizer.decode(tokenIds, { skipSpecialTokens: true });
    let finishReason: TextResult['finishReason'] = end >= 0 ? 'stop' : 'length';
    for (const s of q.req.stop ?? []) {
      const at = s ? text.indexOf(s) : -1;
      if (at >= 0) {
        text = text.slice(0, at);
        finishReason = 'stop';
      }
    }
    return { text, finishReason, promptTokens: q.promptIds.length, completionTokens: tokenIds.length, tokenIds, latencyMs: performance.now() - q.start };
  }

  dispose(): Promise<void> {
    return this.ref.dispose();
  }
}
