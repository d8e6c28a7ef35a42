import { createSampler, type Sampler } from './sampling';
import type { FinishReason, GenerateRequest, RequestStatus, SamplingParams } from './types';

/**
 * The only mutable object of the scheduler: one generation request. Its token lists are
 * exposed read-only and change through appendToken().
 */
export class Request {
  readonly requestId: string;
  readonly promptTokenIds: readonly number[];
  readonly sampling: SamplingParams;
  readonly sampler: Sampler;
  /** Arrival order; ties in scheduling go to the earlier request. */
  readonly arrival: number;
  status: RequestStatus = 'waiting';
  numCachedTokens = 0;
  /** The scheduler already tried to cache a prefix this request shares with others. */
  sharedPrefixTried = false;
  private readonly outputIds: number[] = [];
  private readonly stopIds: ReadonlySet<number>;

  constructor(req: GenerateRequest, arrival: number, eosTokenIds: readonly number[]) {
    this.requestId = req.requestId;
    this.promptTokenIds = req.promptTokenIds;
    this.sampling = req.sampling;
    this.arrival = arrival;
    this.sampler = createSampler(req.sampling, hashSeed(req.requestId));
    this.stopIds = new Set([...(req.sampling.ignoreEos ? [] : eosTokenIds), ...(req.sampling.stopTokenIds ?? [])]);
  }

  get outputTokenIds(): readonly number[] {
    return this.outputIds;
  }

  /** The newest token: what the next decode step feeds. */
  get lastTokenId(): number {
    return this.outputIds[this.outputIds.length - 1];
  }

  /** Prompt and output tokens so far. */
  get numTokens(): number {
    return this.promptTokenIds.length + this.outputIds.length;
  }

  /** Records a sampled token; returns why the request ends now, if it does. */
  appendToken(id: number): FinishReason | undefined {
    this.outputIds.push(id);
    if (this.stopIds.has(id)) return 'stop';
    if (this.outputIds.length >= this.sampling.maxNewTokens) return 'length';
    return undefined;
  }
}

/** A stable default seed per request id (FNV-1a), so unseeded sampling is still reproducible. */
function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
