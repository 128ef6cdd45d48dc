import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { requireOption } from '../errors.js';
import type { InjectOptions } from '../inject/inject.js';
import type { OperatorMetrics } from '../metrics.js';
import { errorReview, reviewAdmission, sniffUid, type AdmissionOutcome, type PolicyLookup } from './admission-review.js';

/** Options of the mutating webhook server. */
export interface WebhookServerOptions {
  /** PEM serving certificate and key (replace them later with setCertificate). */
  tls: { certPem: string; keyPem: string };
  lookup: PolicyLookup;
  logger: Logger;
  metrics: OperatorMetrics;
  injectOptions?: Omit<InjectOptions, 'namespace'>;
  host?: string;
  port?: number;
  /** Largest AdmissionReview body read (default 6 MiB: a Pod is capped at ~1.5 MiB in etcd, a review carries it once or twice). */
  maxBodyBytes?: number;
  /** Clock for the duration metric. */
  now?: () => bigint;
}

/** A running webhook server. */
export interface WebhookServer {
  url: string;
  port: number;
  /** Swaps the serving certificate without a restart (rotation). */
  setCertificate(tls: { certPem: string; keyPem: string }): void;
  close(): Promise<void>;
}

const SNIFF_BYTES = 64 * 1024;
// How long a refused connection is drained before it is closed (see the clientError handler).
const CLIENT_ERROR_DRAIN_MS = 1_000;
// Past this much an oversized body is not drained any further: the connection is cut.
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The status line for a request Node's parser refused: 431 for headers over the limit (what the
 * parser's own default answers), 408 for a request that did not arrive in time, 400 otherwise.
 * Always an answer, never a bare reset, so the client and its logs can say what went wrong.
 */
export function clientErrorResponse(code: string | undefined): string {
  const [status, text] =
    code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request'];
  return `HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`;
}

/** Starts the HTTPS server answering `/mutate` (AdmissionReview v1) and `/healthz`. */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const lookup = requireOption(options.lookup, 'lookup', 'startWebhookServer');
  const logger = requireOption(options.logger, 'logger', 'startWebhookServer').child({ component: 'webhook' });
  const metrics = requireOption(options.metrics, 'metrics', 'startWebhookServer');
  const tls = requireOption(options.tls, 'tls', 'startWebhookServer');
  const maxBody = options.maxBodyBytes ?? 6 * 1024 * 1024;
  const now = options.now ?? process.hrtime.bigint;
  const injectOptions = options.injectOptions ?? {};

  const finish = (res: ServerResponse, started: bigint, out: AdmissionOutcome): void => {
    send(res, 200, out.review);
    metrics.admissions.inc({ result: out.result, reason: out.reason });
    metrics.admissionDuration.observe(Number(now() - started) / 1e9);
    const fields = { uid: out.review.response.uid, namespace: out.namespace, result: out.result, reason: out.reason };
    if (out.result === 'error') logger.warn(fields, 'admission refused');
    else if (out.result === 'denied') logger.info(fields, 'admission denied');
    else logger.debug(fields, 'admission answered');
  };

  const handleMutate = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let prefix = '';
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (prefix.length < SNIFF_BYTES) prefix += chunk.subarray(0, SNIFF_BYTES - prefix.length).toString('latin1');
      if (size <= maxBody) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) req.destroy();
    });
    req.on('error', (err) => logger.debug({ err }, 'admission request aborted by the client'));
    req.on('end', () => {
      const started = now();
      if (size > maxBody) {
        finish(res, started, errorReview(sniffUid(prefix), 413, 'request_too_large', `the AdmissionReview is ${size} bytes, more than the ${maxBody} accepted`));
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        finish(res, started, errorReview(sniffUid(prefix), 400, 'malformed_request', 'the AdmissionReview is not valid JSON'));
        return;
      }
      finish(res, started, reviewAdmission(body, lookup, injectOptions));
    });
  };

  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem, requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 65_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/mutate' && req.method === 'POST') return handleMutate(req, res);
    if (path === '/healthz' || path === '/readyz') return send(res, 200, { status: 'ok' });
    // Any other request still gets a well-formed review, so a misrouted call is diagnosable.
    req.resume();
    send(res, path === '/mutate' ? 405 : 404, errorReview('', path === '/mutate' ? 405 : 404, 'malformed_request', `no handler for ${req.method} ${path}`).review);
  });
  server.on('tlsClientError', (err) => logger.debug({ err }, 'TLS handshake failed'));
  // The parser reports an error again for bytes that keep arriving on a refused connection.
  const refused = new WeakSet<object>();
  server.on('clientError', (err: Error & { code?: string }, socket) => {
    if (refused.has(socket)) return;
    refused.add(socket);
    logger.debug({ err }, 'malformed HTTP request');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    // Closing with unread bytes in the receive buffer makes the kernel send a reset, which can
    // overtake the answer: read and drop the rest for a moment, then close.
    socket.on('data', () => undefined);
    socket.resume();
    socket.end(clientErrorResponse(err.code));
    setTimeout(() => socket.destroy(), CLIENT_ERROR_DRAIN_MS).unref();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  logger.info({ port }, 'webhook listening');
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    setCertificate: (next) => server.setSecureContext({ cert: next.certPem, key: next.keyPem }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
