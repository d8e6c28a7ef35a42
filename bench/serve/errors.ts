// OpenAI-style error bodies, and the one mapping from IpdError codes to HTTP statuses.
import { IpdError, type IpdErrorCode } from '../../common';

/** The error object OpenAI clients parse: `{error: {message, type, param, code}}`. */
export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface ApiFailure {
  status: number;
  body: ApiErrorBody;
}

export function apiFailure(status: number, message: string, opts: { type?: string; param?: string | null; code?: string | null } = {}): ApiFailure {
  const type = opts.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  return { status, body: { error: { message, type, param: opts.param ?? null, code: opts.code ?? null } } };
}

// Request problems are the client's (4xx, not retried by clients); anything else is ours.
const STATUS: Partial<Record<IpdErrorCode, { status: number; code: string | null }>> = {
  INPUT_INVALID: { status: 400, code: null },
  INPUT_TOO_LARGE: { status: 413, code: 'request_too_large' },
  USAGE: { status: 400, code: null },
  MODEL_INVALID: { status: 400, code: null },
  MODEL_NOT_FOUND: { status: 404, code: 'model_not_found' },
  SERVER_ERROR: { status: 503, code: 'server_unavailable' },
};

/** Any thrown value as the response a client gets; the field an IpdError names becomes `param`. */
export function failureOf(err: unknown): ApiFailure {
  const e = IpdError.from(err);
  const m = STATUS[e.code];
  if (!m) return apiFailure(500, `internal error: ${e.message}`, { code: 'internal_error' });
  const message = e.hint ? `${e.message} (${e.hint})` : e.message;
  return apiFailure(m.status, message, { param: e.field ?? null, code: m.code });
}
