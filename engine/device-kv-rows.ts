import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { buildKvRowsGraph, kvRowsNames as N } from './graph/kv-rows-graph';
import type { KvDtype } from './kv-layout';

/** KV per layer as device tensors [rows, kv, seq, hd]. */
export interface DeviceKv {
  keys: Tensor[];
  values: Tensor[];
}

/** One input of a rearrangement: which rows to take, which columns [start, end), and padding on either side. */
export interface KvSide extends DeviceKv {
  rows: readonly number[];
  start: number;
  end: number;
  padLeft: number;
  padRight: number;
}

/** Creates a session on the model's device whose named outputs stay there. */
export type DeviceSessionFactory = (graph: Uint8Array, deviceOutputs: string[]) => Promise<InferenceSession>;

type Int64Ctor = new (type: 'int64', data: BigInt64Array, dims: readonly number[]) => Tensor;

/**
 * Row and column surgery on a device-resident KV cache, run as a tiny graph on the same
 * device so the cache never crosses to the host: drop finished rows, trim columns nobody
 * needs, stack joining rows under the running batch, repeat a cached prefix for a group.
 */
export class DeviceKvRows {
  private sessions: Array<Promise<InferenceSession> | undefined> = [undefined, undefined];

  constructor(
    private readonly create: DeviceSessionFactory,
    private readonly Tensor: Int64Ctor,
    private readonly numLayers: number,
    private readonly dtype: KvDtype,
  ) {}

  private session(sides: 1 | 2): Promise<InferenceSession> {
    const outputs = Array.from({ length: this.numLayers }, (_, l) => [N.output(l, 'k'), N.output(l, 'v')]).flat();
    this.sessions[sides - 1] ??= this.create(buildKvRowsGraph(this.numLayers, this.dtype, sides), outputs);
    return this.sessions[sides - 1]!;
  }

  private int64(values: readonly number[]): Tensor {
    return new this.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [values.length]);
  }

  /** New tensors holding side a's chosen rows, then side b's, each aligned to the same length. */
  async rearrange(a: KvSide, b?: KvSide): Promise<DeviceKv> {
    const session = await this.session(b ? 2 : 1);
    const feeds: Record<string, Tensor> = {};
    for (const [name, side] of [['a', a], ['b', b]] as const) {
      if (!side) continue;
      feeds[N.rows(name)] = this.int64(side.rows);
      feeds[N.start(name)] = this.int64([side.start]);
      feeds[N.end(name)] = this.int64([side.end]);
      feeds[N.pads(name)] = this.int64([0, 0, side.padLeft, 0, 0, 0, side.padRight, 0]);
      for (let l = 0; l < this.numLayers; l++) {
        feeds[N.tensor(name, l, 'k')] = side.keys[l];
        feeds[N.tensor(name, l, 'v')] = side.values[l];
      }
    }
    const out = await session.run(feeds);
    return {
      keys: Array.from({ length: this.numLayers }, (_, l) => out[N.output(l, 'k')]),
      values: Array.from({ length: this.numLayers }, (_, l) => out[N.output(l, 'v')]),
    };
  }

  async release(): Promise<void> {
    const made = this.sessions.filter((s): s is Promise<InferenceSession> => s !== undefined);
    this.sessions = [undefined, undefined];
    await Promise.all(made.map(async (s) => (await s).release()));
  }
}

export function disposeKv(kv: DeviceKv): void {
  for (const t of [...kv.keys, ...kv.values]) t.dispose();
}
