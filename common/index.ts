export { IpdError, formatError } from './errors';
export type { IpdErrorCode, IpdErrorRecord, IpdErrorContext } from './errors';
export { pyRepr, pyStr, pyStrRepr } from './python-repr';
export type { ChatTurn, TextRequest, TextResult, TextGenerator, GenerateFn, EndpointStats } from './generate';
export { quantile } from './quantile';
