import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { buildErrorResponse, type ErrorSpec } from '@snowtrail/protocol';
import type { SidecarMetrics } from './metrics.js';

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

/** Status lines for requests Node's parser refused. */
const CLIENT_ERROR_STATUS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * Answers a request Node's HTTP parser refused (malformed request line, conflicting lengths, headers
 * over the limit) with 400/431/408 and closes, instead of resetting: the client learns why.
 */
export function answerClientError(err: Error, socket: Duplex): void {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${CLIENT_ERROR_STATUS[code] ?? '400 Bad Request'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
