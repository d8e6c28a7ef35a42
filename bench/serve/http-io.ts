// Reading JSON bodies and writing JSON or server-sent-event responses on node:http.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IpdError } from '../../common';
import type { ApiFailure } from './errors';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The request body as JSON. Requires `Content-Type: application/json`: a browser page can
 * send text/plain POSTs to a loopback server without a CORS preflight, a JSON content type
 * cannot be sent that way (FastAPI, and so vLLM, refuse other types for the same reason).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new IpdError('INPUT_INVALID', `Content-Type must be application/json (got ${type ? `"${type}"` : 'none'})`);
  }
  const text = (await readBody(req, maxBytes)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new IpdError('INPUT_INVALID', `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * The raw body, refused (INPUT_TOO_LARGE, HTTP 413) past `maxBytes`: at once when
 * Content-Length says so, else when the bytes get there. The rest is read and dropped
 * rather than the socket reset, so the client gets the answer.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new IpdError('INPUT_TOO_LARGE', `request body larger than ${maxBytes} bytes`, { hint: 'the server takes at most --max-body-mb' });
  return new Promise((resolve, reject) => {
    let over = Number(req.headers['content-length'] ?? 0) > maxBytes;
    if (over) reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      over = true;
      chunks.length = 0;
      reject(tooLarge());
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendFailure(res: ServerResponse, f: ApiFailure, headers: Record<string, string> = {}): void {
  sendJson(res, f.status, f.body, headers);
}

/** A `text/event-stream` response: one `data: <json>` event per chunk, then `data: [DONE]`. */
export class SseStream {
  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    // Send headers now: clients wait for them before they start reading events.
    res.flushHeaders();
  }

  send(data: unknown): void {
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream; an error becomes one `{error: ...}` event, which OpenAI clients raise. */
  end(failure?: ApiFailure): void {
    if (this.res.writableEnded) return;
    if (failure) this.send(failure.body);
    this.res.end('data: [DONE]\n\n');
  }
}
