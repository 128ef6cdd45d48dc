import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildErrorResponse, BodyTooLargeError, type ErrorSpec } from '@snowtrail/protocol';
import type { SidecarMetrics } from './metrics.js';

/** Reads a request body under a byte cap (before decompression; the codec caps again after). */
export async function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const part of req) {
    n += (part as Buffer).length;
    if (n > maxBytes) throw new BodyTooLargeError(maxBytes);
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts, n);
}

/** Writes a complete answer, fixing Content-Length and counting the bytes sent. */
export function sendBytes(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string, metrics: SidecarMetrics): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
  res.end(bytes);
  metrics.clientBytes.inc({ direction: 'out' }, bytes.length);
}

/** Sends a JSON envelope as HTTP 200 application/json (what every driver parses, §1.4). */
export function sendJson(res: ServerResponse, value: unknown, metrics: SidecarMetrics): void {
  sendBytes(res, 200, { 'content-type': 'application/json' }, JSON.stringify(value), metrics);
}

/** Sends a Snowflake-shaped error: always HTTP 200, never 5xx (a 5xx is retried up to 1000 times, §1.5). */
export function sendSnowflakeError(res: ServerResponse, spec: ErrorSpec, metrics: SidecarMetrics): void {
  const r = buildErrorResponse(spec);
  sendBytes(res, r.status, r.headers, r.body, metrics);
}

/** An S3-style XML error for chunk GETs: the shape storage errors have, which drivers do not parse as rows. */
export function sendStorageError(res: ServerResponse, status: 400 | 403, code: string, message: string, metrics: SidecarMetrics): void {
  const esc = message.replace(/[<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));
  sendBytes(res, status, { 'content-type': 'application/xml' }, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${esc}</Message></Error>`, metrics);
}
