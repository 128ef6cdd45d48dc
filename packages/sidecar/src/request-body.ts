import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildErrorEnvelope, parseJsonStrict, readBody, type EndpointName } from '@snowtrail/protocol';
import { BODY_MEMORY_FACTOR, bodyCap } from './body-limits.js';
import { SIDECAR_SF_CODES, SIDECAR_SQL_STATES } from './errors.js';
import { sendBytes } from './http-io.js';
import type { BudgetReservation } from './in-flight-budget.js';
import type { ProxyContext } from './proxy-context.js';

/** A request body read, inflated and parsed strictly: what the handlers judge and forward. */
export interface ParsedBody {
  /** The parsed JSON (undefined for an empty body). */
  value: unknown;
  /** Whether the client gzipped it (the forwarded body is gzipped again). */
  wasGzip: boolean;
}

/** Why a body was refused before any handling (metric label `reason`). */
export type BodyRefusal = 'body_too_large' | 'busy' | 'body_malformed' | 'duplicate_key' | 'too_deep';

/** The outcome of reading a body. */
export type BodyOutcome = { ok: true; body: ParsedBody } | { ok: false; reason: BodyRefusal; message: string; complete: boolean };

const REFUSAL_BY_CODE: Record<string, BodyRefusal> = {
  SNOWTRAIL_ERR_PROTOCOL_BODY_TOO_LARGE: 'body_too_large',
  SNOWTRAIL_ERR_SIDECAR_BUSY: 'busy',
  SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED: 'body_malformed',
  SNOWTRAIL_ERR_PROTOCOL_BODY_DUPLICATE_KEY: 'duplicate_key',
  SNOWTRAIL_ERR_PROTOCOL_BODY_TOO_DEEP: 'too_deep',
};

function tooLarge(endpoint: EndpointName, cap: number): BodyOutcome {
  return { ok: false, reason: 'body_too_large', message: `snowtrail: the request body exceeds the ${cap}-byte limit of this endpoint (${endpoint})`, complete: false };
}

/** Counts the bytes actually taken off the socket, whatever happens to them next. */
async function* counted(req: IncomingMessage, ctx: ProxyContext): AsyncIterable<Buffer> {
  for await (const piece of req) {
    ctx.metrics.clientBytes.inc({ direction: 'in' }, (piece as Buffer).length);
    yield piece as Buffer;
  }
}

/**
 * Reads an endpoint's body under its cap and the process-wide budget: a declared Content-Length over
 * the cap, or over what the budget has left, is refused before a byte is read; a streamed body is
 * stopped as soon as it passes either. The reservation holds the body's bytes until `release`.
 */
export async function readEndpointBody(ctx: ProxyContext, req: IncomingMessage, endpoint: EndpointName, reservation: BudgetReservation): Promise<BodyOutcome> {
  const cap = bodyCap(endpoint, ctx.config().listen.maxRequestBytes, ctx.budget.limit);
  const declared = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined;
  if (declared !== undefined && declared > cap) return tooLarge(endpoint, cap);
  let text: string;
  let wasGzip: boolean;
  try {
    // The budget is charged in weighted bytes: what handling a body of that size holds at once.
    if (declared !== undefined && declared > 0) reservation.charge(declared * BODY_MEMORY_FACTOR);
    let held = 0;
    const read = await readBody(counted(req, ctx), {
      maxBytes: cap,
      ...(declared !== undefined ? { expectedBytes: declared } : {}),
      // What was declared is already charged; charge only what goes beyond it (gzip inflation, chunked bodies).
      charge: (n) => {
        held += n * BODY_MEMORY_FACTOR;
        if (held > reservation.bytes) reservation.charge(held - reservation.bytes);
      },
    });
    wasGzip = read.wasGzip;
    text = read.bytes.toString('utf8');
  } catch (err) {
    const reason = REFUSAL_BY_CODE[(err as { code?: string }).code ?? ''];
    if (reason === 'body_too_large') return tooLarge(endpoint, cap);
    if (reason) return { ok: false, reason, message: `snowtrail: ${(err as Error).message}`, complete: false };
    throw err;
  }
  try {
    return { ok: true, body: { value: parseJsonStrict(text), wasGzip } };
  } catch (err) {
    const reason = REFUSAL_BY_CODE[(err as { code?: string }).code ?? ''];
    if (!reason) throw err;
    return { ok: false, reason, message: `snowtrail: ${(err as Error).message}`, complete: true };
  }
}

/**
 * Answers a refused body. Over the budget: HTTP 429 with Retry-After, which every driver retries
 * with backoff (a transient condition); everything else: the usual HTTP 200 Snowflake error. When the
 * body was not read to its end the connection is closed, so unread bytes are never parsed as a request.
 */
export function answerBodyRefusal(ctx: ProxyContext, res: ServerResponse, refusal: Extract<BodyOutcome, { ok: false }>): void {
  ctx.metrics.requestRefusals.inc({ reason: refusal.reason });
  const close: Record<string, string> = refusal.complete ? {} : { connection: 'close' };
  if (refusal.reason === 'busy') {
    const env = buildErrorEnvelope({
      code: SIDECAR_SF_CODES.sidecarBusy,
      message: 'snowtrail: the sidecar is busy with other large requests right now; the driver retries this one',
      sqlState: SIDECAR_SQL_STATES.sidecarBusy,
    });
    sendBytes(res, 429, { 'content-type': 'application/json', 'retry-after': '1', ...close }, JSON.stringify(env), ctx.metrics);
    return;
  }
  const sqlState = refusal.reason === 'body_too_large' ? SIDECAR_SQL_STATES.requestTooLarge : SIDECAR_SQL_STATES.requestInvalid;
  sendBytes(res, 200, { 'content-type': 'application/json', ...close }, JSON.stringify(buildErrorEnvelope({ code: SIDECAR_SF_CODES.requestInvalid, message: refusal.message, sqlState })), ctx.metrics);
}
