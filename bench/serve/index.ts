// Public entry of bench/serve: an OpenAI-compatible HTTP API over the in-process engine.
export { startServer, DEFAULT_PORT, DEFAULT_SHUTDOWN_GRACE_MS } from './server';
export { DEFAULT_MAX_BODY_BYTES } from './http-io';
export type { RunningServer, ServeOptions, ShutdownReport } from './server';
export type { ApiErrorBody } from './errors';
