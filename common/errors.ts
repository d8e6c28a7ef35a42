/**
 * The project's one error class. Create it where the context (file, line, field) is
 * known; let it pass through untouched; render it once, at the CLI entry or a worker
 * boundary (as an IpdErrorRecord, which is plain data).
 */
export type IpdErrorCode =
  | 'DATASET_INVALID'
  | 'DATA_NOT_FOUND'
  | 'DATA_DOWNLOAD'
  | 'PREDICTIONS_INVALID'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'DEVICE_UNAVAILABLE'
  | 'INPUT_INVALID'
  | 'INPUT_TOO_LARGE'
  | 'RUN_CONFLICT'
  | 'RUN_INVALID'
  | 'GENERATION_FAILED'
  | 'SERVER_ERROR'
  | 'USAGE'
  | 'INTERNAL';

export interface IpdErrorRecord {
  code: IpdErrorCode;
  message: string;
  file?: string;
  line?: number;
  field?: string;
  hint?: string;
  stack?: string;
}

export interface IpdErrorContext {
  file?: string;
  line?: number;
  field?: string;
  hint?: string;
  cause?: unknown;
}

export class IpdError extends Error {
  readonly code: IpdErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  readonly hint?: string;

  constructor(code: IpdErrorCode, message: string, ctx: IpdErrorContext = {}) {
    super(message, ctx.cause === undefined ? undefined : { cause: ctx.cause });
    this.name = 'IpdError';
    this.code = code;
    this.file = ctx.file;
    this.line = ctx.line;
    this.field = ctx.field;
    this.hint = ctx.hint;
  }

  toRecord(): IpdErrorRecord {
    return {
      code: this.code,
      message: this.message,
      ...(this.file !== undefined && { file: this.file }),
      ...(this.line !== undefined && { line: this.line }),
      ...(this.field !== undefined && { field: this.field }),
      ...(this.hint !== undefined && { hint: this.hint }),
      ...(this.stack !== undefined && { stack: this.stack }),
    };
  }

  static fromRecord(rec: IpdErrorRecord): IpdError {
    const err = new IpdError(rec.code, rec.message, rec);
    if (rec.stack) err.stack = rec.stack;
    return err;
  }

  /** Wraps anything thrown into an IpdError, keeping IpdErrors as they are. */
  static from(err: unknown, code: IpdErrorCode = 'INTERNAL'): IpdError {
    if (err instanceof IpdError) return err;
    const e = err instanceof Error ? err : new Error(String(err));
    const wrapped = new IpdError(code, e.message, { cause: e });
    if (e.stack) wrapped.stack = e.stack;
    return wrapped;
  }
}

/** One line: what, where, how to fix. */
export function formatError(err: IpdError): string {
  const [head, ...details] = err.message.split('\n');
  const located = err.file !== undefined && !head.includes(err.file);
  const where = located ? ` [${err.file}${err.line !== undefined ? ` line ${err.line}` : ''}${err.field ? `: ${err.field}` : ''}]` : '';
  const hint = err.hint ? ` Hint: ${err.hint}.` : '';
  return [`error ${err.code}: ${head}${where}${hint}`, ...details].join('\n');
}
