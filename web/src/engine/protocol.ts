import type { IpdErrorRecord, TextRequest, TextResult } from '../../../common';
import type { LoadProgress, LoadRequest, WebEngineInfo } from './web-engine';

/** Messages into the engine worker: `{ kind, id, payload }`, a discriminated union. */
export type ToWorker =
  | { kind: 'load'; id: number; payload: LoadRequest }
  | { kind: 'generate'; id: number; payload: TextRequest & { id: string } }
  | { kind: 'abort'; id: number; payload: string }
  | { kind: 'dispose'; id: number };

/**
 * Messages out of the engine worker; `id` answers the message it belongs to. Errors cross
 * as IpdErrorRecord (plain data with code, file, hint), never as err.toString().
 */
export type FromWorker =
  | { kind: 'loaded'; id: number; payload: WebEngineInfo }
  | { kind: 'progress'; id: number; payload: LoadProgress }
  | { kind: 'text'; id: number; payload: string }
  | { kind: 'result'; id: number; payload: TextResult }
  | { kind: 'disposed'; id: number }
  | { kind: 'error'; id?: number; payload: IpdErrorRecord };
