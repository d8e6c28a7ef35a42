// The HTTP server: routing, the API-key check, in-flight tracking and graceful shutdown.
// node:http rather than a framework: four routes, and shutdown needs the sockets in hand.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IpdError } from '../../common';
import type { LlmEngine } from '../../engine';
import type { ModelConfig } from '../../models';
import { Call } from './call';
import { handleChat } from './chat';
import { handleCompletions } from './completions';
import { unixTime, type Handler, type ServeContext } from './context';
import { apiFailure, failureOf } from './errors';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody, sendFailure, sendJson } from './http-io';

export interface ServeOptions {
  engine: LlmEngine;
  /** The name clients send as `model`. */
  modelName: string;
  /** The served model's config: max_position_embeddings bounds prompt + max_tokens. */
  config: Pick<ModelConfig, 'maxPositionEmbeddings' | 'vocabSize'>;
  /** Default 127.0.0.1: other machines must be allowed explicitly. */
  host?: string;
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** When set, every request needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  maxBodyBytes?: number;
  /** Where server-side failures are reported (the CLI passes stderr). */
  log?: (line: string) => void;
}

export interface ShutdownReport {
  /** Requests that finished during the grace period, and those cancelled after it. */
  numFinished: number;
  numCancelled: number;
}

export interface RunningServer {
  /** Base URL for OpenAI clients, e.g. http://127.0.0.1:8000/v1 */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly numInFlight: number;
  /** Stops accepting, lets in-flight requests finish for `graceMs`, cancels the rest, closes. */
  shutdown(graceMs?: number): Promise<ShutdownReport>;
}

export const DEFAULT_PORT = 8000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
// After cancelling, the engine answers aborts within a step; this bounds a stuck one.
const CANCEL_WAIT_MS = 5_000;

type Route = { method: 'GET' | 'POST'; handle: Handler };

const listModels: Handler = async (ctx, _call, _body, res) => {
  sendJson(res, 200, { object: 'list', data: [modelCard(ctx)] });
};

function modelCard(ctx: ServeContext) {
  return { id: ctx.modelName, object: 'model', created: unixTime(), owned_by: 'ipdialog', max_model_len: ctx.limits.maxContext ?? null };
}

const ROUTES: Record<string, Route> = {
  '/v1/models': { method: 'GET', handle: listModels },
  '/v1/chat/completions': { method: 'POST', handle: handleChat },
  '/v1/completions': { method: 'POST', handle: handleCompletions },
  '/health': { method: 'GET', handle: async (_ctx, _call, _body, res) => sendJson(res, 200, { status: 'ok' }) },
};

function findRoute(ctx: ServeContext, path: string): Route | undefined {
  const route = ROUTES[path];
  if (route) return route;
  // GET /v1/models/{id}
  if (path.startsWith('/v1/models/')) {
    const id = decodeURIComponent(path.slice('/v1/models/'.length));
    return {
      method: 'GET',
      handle: async (c, _call, _body, res) => {
        if (id !== c.modelName) throw new IpdError('MODEL_NOT_FOUND', `the model "${id}" does not exist on this server`, { field: 'model' });
        sendJson(res, 200, modelCard(c));
      },
    };
  }
  return undefined;
}

/** Constant-time comparison of the bearer token (hashing first equalizes the lengths). */
function keyChecker(apiKey: string | undefined): (req: IncomingMessage) => boolean {
  if (!apiKey) return () => true;
  const want = createHash('sha256').update(apiKey).digest();
  return (req) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(createHash('sha256').update(m[1].trim()).digest(), want);
  };
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const ctx: ServeContext = {
    engine: opts.engine,
    modelName: opts.modelName,
    limits: { maxContext: opts.config.maxPositionEmbeddings, vocabSize: opts.config.vocabSize },
    failure(err) {
      const f = failureOf(err);
      // Shutdown cancellations are expected; other 5xx mean something broke here.
      if (f.status >= 500 && f.body.error.code !== 'server_unavailable') opts.log?.(`error ${f.status}: ${f.body.error.message}`);
      return f;
    },
  };
  const authorized = keyChecker(opts.apiKey);
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const inflight = new Set<Call>();
  let idleWaiters: Array<() => void> = [];
  let closing = false;

  const whenIdle = () => (inflight.size === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r)));

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Once shutting down, every answer closes its connection so keep-alive sockets drain.
    if (closing) res.setHeader('connection', 'close');
    if (!authorized(req)) {
      return sendFailure(res, apiFailure(401, 'missing or incorrect API key: send "Authorization: Bearer <key>"', { code: 'invalid_api_key' }), {
        'www-authenticate': 'Bearer',
      });
    }
    const path = (req.url ?? '/').split('?')[0];
    const route = findRoute(ctx, path);
    if (!route) return sendFailure(res, apiFailure(404, `no route ${req.method} ${path}`, { code: 'not_found' }));
    if (req.method !== route.method) {
      return sendFailure(res, apiFailure(405, `${path} takes ${route.method}, not ${req.method}`, { code: 'method_not_allowed' }), { allow: route.method });
    }
    if (closing) return sendFailure(res, apiFailure(503, 'the server is shutting down', { code: 'server_shutting_down' }));

    const call = new Call(ctx.engine);
    inflight.add(call);
    res.on('close', () => {
      inflight.delete(call);
      // Closed before the answer was complete: the client is gone, free the engine rows.
      if (!res.writableFinished) call.abort('client_closed');
      if (inflight.size === 0) {
        for (const wake of idleWaiters) wake();
        idleWaiters = [];
      }
    });
    try {
      const body = route.method === 'POST' ? await readJsonBody(req, maxBodyBytes) : undefined;
      await route.handle(ctx, call, body, res);
    } catch (err) {
      const f = ctx.failure(err);
      if (res.headersSent) res.end();
      // A refused upload may still be arriving: this connection serves nothing after it.
      else sendFailure(res, f, f.status === 413 ? { connection: 'close' } : {});
    }
  }

  const server = createServer((req, res) => {
    // Last resort: a bug in answering must not take the server down with it.
    onRequest(req, res).catch((err: unknown) => {
      opts.log?.(`error answering ${req.method} ${req.url}: ${(err as Error).message}`);
      res.destroy();
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${host}:${opts.port ?? DEFAULT_PORT}`;
      const hint = err.code === 'EADDRINUSE' ? '--port 0 picks a free port' : undefined;
      reject(new IpdError('USAGE', `cannot listen on ${where}: ${err.code ?? err.message}`, { hint, cause: err }));
    });
    server.listen(opts.port ?? DEFAULT_PORT, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let shutdownPromise: Promise<ShutdownReport> | undefined;
  async function shutdown(graceMs: number): Promise<ShutdownReport> {
    closing = true;
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeIdleConnections();
    const numAtStart = inflight.size;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)));
    const timedOut = await Promise.race([whenIdle().then(() => false), graceOver]);
    clearTimeout(timer);
    const numCancelled = timedOut ? inflight.size : 0;
    for (const call of inflight) call.abort('shutdown');
    await Promise.race([whenIdle(), new Promise((r) => setTimeout(r, CANCEL_WAIT_MS).unref())]);
    server.closeAllConnections();
    await closed;
    return { numFinished: numAtStart - numCancelled, numCancelled };
  }

  return {
    url: `http://${urlHost}:${port}/v1`,
    host,
    port,
    get numInFlight() {
      return inflight.size;
    },
    shutdown(graceMs = DEFAULT_SHUTDOWN_GRACE_MS) {
      shutdownPromise ??= shutdown(graceMs);
      return shutdownPromise;
    },
  };
}
