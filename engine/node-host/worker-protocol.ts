import type { IpdErrorRecord } from '../../common';
import type { CoreInfo } from '../core-loop';
import type { EngineOutput, EngineStats, GenerateRequest } from '../types';
import type { CoreModelSpec, CoreOptions } from './load-core';

/** Messages into the engine worker: `{ kind, id, payload }`, a discriminated union. */
export type ToWorker =
  | { kind: 'init'; id: number; payload: { model: CoreModelSpec; options: CoreOptions } }
  | { kind: 'add'; id: number; payload: GenerateRequest[] }
  | { kind: 'abort'; id: number; payload: string }
  | { kind: 'stats'; id: number }
  | { kind: 'dispose'; id: number };

/** Messages out of the engine worker. Errors cross as IpdErrorRecord (plain data), not strings. */
export type FromWorker =
  | { kind: 'ready'; id: number; payload: CoreInfo }
  | { kind: 'outputs'; payload: EngineOutput[] }
  | { kind: 'stats'; id: number; payload: EngineStats }
  | { kind: 'disposed'; id: number }
  | { kind: 'error'; id?: number; payload: IpdErrorRecord };
