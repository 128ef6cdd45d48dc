import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { Agent, Pool, type Dispatcher } from 'undici';
import { isGzip } from '@snowtrail/protocol';
import { SIDECAR_ERRORS, SidecarError } from './errors.js';

/** A request to Snowflake's GS host. */
export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Path and query string, e.g. `/queries/v1/query-request?requestId=..`. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
}

/** A streamed answer. */
export interface UpstreamStreamAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  /** Seconds spent until the headers arrived. */
  elapsed: number;
}

/** A buffered, decompressed answer. */
export interface UpstreamBufferedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  /** Seconds spent until the whole body arrived. */
  elapsed: number;
}

/** Options of the upstream client. */
export interface UpstreamClientOptions {
  url: string;
  timeoutMs: number;
  /** Cap on a buffered answer, after decompression. */
  maxAnswerBytes: number;
  /** Extra attempts on a connection failure or a 5xx (requests are idempotent by requestId). */
  retries?: number;
  retryDelayMs?: number;
}

/** Hop-by-hop headers never forwarded (RFC 9110 §7.6.1) plus the ones the sidecar sets itself. */
const DROP_REQUEST_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length', 'authorization', 'expect', 'proxy-authorization']);

/** Copies the client's headers for the upstream request (underscore headers such as CLIENT_APP_ID included). */
export function forwardableHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || DROP_REQUEST_HEADERS.has(k)) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** True for answers worth another attempt: the server is failing, not refusing. */
function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Keep-alive HTTP clients for the GS host (one pool) and for chunk origins (an agent of pools). */
export class UpstreamClient {
  readonly origin: string;
  private readonly basePath: string;
  private readonly pool: Pool;
  readonly chunkAgent: Agent;
  private readonly opts: Required<UpstreamClientOptions>;

  constructor(options: UpstreamClientOptions) {
    this.opts = { retries: 2, retryDelayMs: 100, ...options };
    const u = new URL(options.url);
    this.origin = u.origin;
    this.basePath = u.pathname.replace(/\/$/, '');
    const common = { keepAliveTimeout: 30_000, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs, connectTimeout: 10_000 };
    this.pool = new Pool(this.origin, { ...common, connections: 64, pipelining: 1 });
    this.chunkAgent = new Agent({ ...common, connections: 16 });
  }

  /** Sends a request and returns the streamed answer, retrying connection failures and 5xx. */
  async stream(req: UpstreamRequest): Promise<UpstreamStreamAnswer> {
    const started = performance.now();
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
      if (attempt > 0) await sleep(this.opts.retryDelayMs * 2 ** (attempt - 1));
      try {
        const r = await this.pool.request({ method: req.method, path: this.basePath + req.path, headers: req.headers, body: req.body ?? null });
        if (isRetryableStatus(r.statusCode) && attempt < this.opts.retries) {
          await r.body.dump();
          lastError = new SidecarError(SIDECAR_ERRORS.upstreamBadAnswer, `Snowflake answered HTTP ${r.statusCode}`);
          continue;
        }
        if (r.statusCode >= 500) {
          await r.body.dump();
          throw new SidecarError(SIDECAR_ERRORS.upstreamBadAnswer, `Snowflake answered HTTP ${r.statusCode} ${this.opts.retries + 1} times`);
        }
        return { status: r.statusCode, headers: r.headers, body: r.body, elapsed: (performance.now() - started) / 1000 };
      } catch (err) {
        if ((err as { code?: string }).code === SIDECAR_ERRORS.upstreamBadAnswer) throw err;
        lastError = err;
      }
    }
    if ((lastError as { code?: string })?.code === SIDECAR_ERRORS.upstreamBadAnswer) throw lastError;
    const cause = lastError as { code?: string; message?: string };
    throw new SidecarError(SIDECAR_ERRORS.upstreamUnreachable, `Snowflake at ${this.origin} is unreachable (${cause?.code ?? cause?.message ?? 'unknown error'})`, { cause: lastError });
  }

  /** Sends a request and buffers the answer under the cap, gunzipping it (by header or magic bytes). */
  async buffered(req: UpstreamRequest): Promise<UpstreamBufferedAnswer> {
    const started = performance.now();
    const r = await this.stream(req);
    const parts: Buffer[] = [];
    let n = 0;
    try {
      for await (const part of r.body) {
        n += (part as Buffer).length;
        if (n > this.opts.maxAnswerBytes) {
          r.body.destroy();
          throw new SidecarError(SIDECAR_ERRORS.answerTooLarge, `Snowflake's answer exceeds ${this.opts.maxAnswerBytes} bytes`);
        }
        parts.push(part as Buffer);
      }
    } catch (err) {
      if ((err as { code?: string }).code === SIDECAR_ERRORS.answerTooLarge) throw err;
      throw new SidecarError(SIDECAR_ERRORS.upstreamUnreachable, `Snowflake's answer was cut off (${(err as Error).message})`, { cause: err });
    }
    let bytes = Buffer.concat(parts, n);
    const enc = String(r.headers['content-encoding'] ?? '');
    if (isGzip(bytes) || enc.includes('gzip')) {
      try {
        bytes = gunzipSync(bytes, { maxOutputLength: this.opts.maxAnswerBytes });
      } catch (err) {
        throw new SidecarError(SIDECAR_ERRORS.answerTooLarge, `Snowflake's compressed answer exceeds ${this.opts.maxAnswerBytes} bytes or is corrupt`, { cause: err });
      }
    }
    return { status: r.status, headers: r.headers, bytes, elapsed: (performance.now() - started) / 1000 };
  }

  /**
   * Fetches a chunk from its (presigned) origin URL with the stored SSE-C headers, following up to
   * 3 redirects on the same host. A redirect to another host is refused: the origin comes from
   * Snowflake's answer, and following it elsewhere would let whoever answers there steer the
   * sidecar's requests (SSRF) and read its SSE-C keys.
   */
  async chunk(url: string, headers: Record<string, string>): Promise<UpstreamStreamAnswer> {
    const started = performance.now();
    let target = new URL(url);
    const origin = target.host;
    let lastError: unknown;
    for (let attempt = 0, redirects = 0; attempt <= this.opts.retries; attempt++) {
      if (attempt > 0) await sleep(this.opts.retryDelayMs * 2 ** (attempt - 1));
      try {
        const r = await this.chunkAgent.request({ origin: target.origin, path: target.pathname + target.search, method: 'GET', headers });
        const location = r.headers.location;
        if (r.statusCode >= 300 && r.statusCode < 400 && typeof location === 'string' && redirects < 3) {
          await r.body.dump();
          const next = new URL(location, target);
          if (next.host !== origin || next.protocol !== target.protocol) {
            throw new SidecarError(SIDECAR_ERRORS.upstreamBadAnswer, `the chunk origin ${origin} redirected to another host (${next.host}); not followed`);
          }
          target = next;
          redirects++;
          attempt--;
          continue;
        }
        if (isRetryableStatus(r.statusCode) && attempt < this.opts.retries) {
          await r.body.dump();
          continue;
        }
        return { status: r.statusCode, headers: r.headers, body: r.body, elapsed: (performance.now() - started) / 1000 };
      } catch (err) {
        if ((err as { code?: string }).code === SIDECAR_ERRORS.upstreamBadAnswer) throw err;
        lastError = err;
      }
    }
    throw new SidecarError(SIDECAR_ERRORS.upstreamUnreachable, `chunk origin ${new URL(url).origin} is unreachable`, { cause: lastError });
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.chunkAgent.close()]);
  }
}
