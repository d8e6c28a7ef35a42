// What every endpoint handler gets: the engine, the served model's name and limits.
import type { ServerResponse } from 'node:http';
import { IpdError } from '../../common';
import type { LlmEngine } from '../../engine';
import type { Call } from './call';
import type { ApiFailure } from './errors';
import type { ModelLimits } from './sampling';

export interface ServeContext {
  engine: LlmEngine;
  /** The id clients send as `model` and GET /v1/models lists. */
  modelName: string;
  limits: ModelLimits;
  /** The answer for a thrown error; server-side failures (5xx) are also logged. */
  failure(err: unknown): ApiFailure;
}

export type Handler = (ctx: ServeContext, call: Call, body: unknown, res: ServerResponse) => Promise<void>;

/** Clients may omit `model`; a different name is a mistake worth reporting (as vLLM does). */
export function checkModel(ctx: ServeContext, model: string | undefined): void {
  if (model !== undefined && model !== ctx.modelName) {
    throw new IpdError('MODEL_NOT_FOUND', `the model "${model}" does not exist on this server`, { field: 'model', hint: `this server serves "${ctx.modelName}"` });
  }
}

export function unixTime(): number {
  return Math.floor(Date.now() / 1000);
}
