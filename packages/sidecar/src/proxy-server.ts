import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchEndpoint, parseSnowflakeToken, type EndpointName, type ErrorSpec } from '@snowtrail/protocol';
import { CHUNK_PATH_PREFIX } from './chunk-registry.js';
import { SIDECAR_SF_CODES, SIDECAR_SQL_STATES } from './errors.js';
import { handleChunk } from './handle-chunk.js';
import { handleLogin } from './handle-login.js';
import { handlePassthrough } from './handle-passthrough.js';
import { handleQueryRequest } from './handle-query.js';
import { handleResult } from './handle-result.js';
import { handleTokenRequest } from './handle-token.js';
import { sendSnowflakeError } from './http-io.js';
import { answerBodyRefusal, readEndpointBody } from './request-body.js';
import type { ProxyContext } from './proxy-context.js';
import type { SessionEntry } from './session-table.js';

/**
 * Ends a session: handles and capabilities dropped, gauge updated, its end recorded. Tracked in
 * ctx.endings until its recording is closed, so a stopping sidecar closes the recorder after it.
 */
export function endSession(ctx: ProxyContext, entry: SessionEntry, reason: 'client_logout' | 'expired' | 'shutdown'): Promise<void> {
  const ending = endSessionNow(ctx, entry, reason);
  ctx.endings.add(ending);
  void ending.finally(() => ctx.endings.delete(ending));
  return ending;
}

async function endSessionNow(ctx: ProxyContext, entry: SessionEntry, reason: 'client_logout' | 'expired' | 'shutdown'): Promise<void> {
  ctx.sessions.remove(entry);
  ctx.chunks.dropSession(entry);
  ctx.knownQueries.dropSession(entry);
  ctx.metrics.activeSessions.set(ctx.sessions.size);
  try {
    await entry.recording?.end(reason);
  } catch (err) {
    ctx.logger.warn({ err, session: entry.id }, 'session end not recorded');
  }
  ctx.logger.info({ session: entry.id, reason }, 'session closed');
}

/** Endpoints that run under a session handle. */
const SESSION_ENDPOINTS = new Set<EndpointName>(['queryRequest', 'queryResult', 'monitoring', 'abortByQueryId', 'abortByRequestId', 'heartbeat', 'session', 'telemetry']);

/** Refuses before reading the body, closing the connection so unread bytes are never taken for a request. */
function refuseUnread(ctx: ProxyContext, res: ServerResponse, spec: ErrorSpec): void {
  res.setHeader('connection', 'close');
  sendSnowflakeError(res, spec, ctx.metrics);
}

/**
 * One request: match the endpoint, authenticate by handle, then read the body under the endpoint's
 * cap and the process-wide budget (so an unauthenticated client never makes the sidecar buffer more
 * than a login), then hand the parsed body to the endpoint's handler.
 */
async function route(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): Promise<{ endpoint: EndpointName; upstreamSeconds: number }> {
  const url = new URL(req.url ?? '/', 'http://sidecar');
  if (req.method === 'GET' && url.pathname.startsWith(CHUNK_PATH_PREFIX)) {
    return { endpoint: 'chunk', upstreamSeconds: await handleChunk(ctx, req, res, url.pathname.slice(CHUNK_PATH_PREFIX.length)) };
  }
  const { name, queryId } = matchEndpoint(req.method ?? 'GET', url.pathname);
  if (name !== 'login' && name !== 'tokenRequest' && !SESSION_ENDPOINTS.has(name)) {
    refuseUnread(ctx, res, { code: SIDECAR_SF_CODES.endpointNotSupported, message: `snowtrail: ${req.method} ${url.pathname} is not supported through the sidecar`, sqlState: SIDECAR_SQL_STATES.endpointNotSupported });
    return { endpoint: 'unknown', upstreamSeconds: 0 };
  }
  const now = ctx.now();
  const auth = parseSnowflakeToken(req.headers.authorization);
  const entry = SESSION_ENDPOINTS.has(name) ? ctx.sessions.bySessionHandle(auth, now) : name === 'tokenRequest' ? ctx.sessions.byMasterHandle(auth, now) : undefined;
  if (name === 'tokenRequest' && (!entry || entry.realMasterToken === undefined)) {
    refuseUnread(ctx, res, { code: SIDECAR_SF_CODES.masterTokenInvalid, message: 'Master token is invalid.', sqlState: SIDECAR_SQL_STATES.connection });
    return { endpoint: name, upstreamSeconds: 0 };
  }
  if (name !== 'login' && !entry) {
    // What Snowflake answers for a token it does not know; real tokens are never accepted here.
    refuseUnread(ctx, res, { code: SIDECAR_SF_CODES.sessionTokenInvalid, message: 'Session token is invalid or expired; log in again.', sqlState: SIDECAR_SQL_STATES.connection });
    return { endpoint: name, upstreamSeconds: 0 };
  }
  const reservation = ctx.budget.reserve();
  try {
    const read = await readEndpointBody(ctx, req, name, reservation);
    if (!read.ok) {
      // A login body that arrived whole but is not a login request is a refused login (recorded, aggregated).
      if (name === 'login' && read.complete) {
        ctx.metrics.requestRefusals.inc({ reason: read.reason });
        return { endpoint: name, upstreamSeconds: await handleLogin(ctx, req, res, url, { malformed: read.message }) };
      }
      answerBodyRefusal(ctx, res, read);
      return { endpoint: name, upstreamSeconds: 0 };
    }
    const body = read.body;
    if (name === 'login') return { endpoint: name, upstreamSeconds: await handleLogin(ctx, req, res, url, { body }) };
    if (name === 'tokenRequest') return { endpoint: name, upstreamSeconds: await handleTokenRequest(ctx, req, res, url, body, entry!) };
    if (name === 'queryRequest') return { endpoint: name, upstreamSeconds: await handleQueryRequest(ctx, req, res, url, body, entry!) };
    if (name === 'queryResult') return { endpoint: name, upstreamSeconds: await handleResult(ctx, req, res, url, entry!, queryId!) };
    // A logout ends the session before it is forwarded: its answer tells the client the end is recorded.
    if (name === 'session' && url.searchParams.get('delete') === 'true') await endSession(ctx, entry!, 'client_logout');
    const upstreamSeconds = await handlePassthrough(ctx, req, res, url, body, entry!, name, queryId);
    return { endpoint: name, upstreamSeconds };
  } finally {
    reservation.release();
  }
}

/**
 * The driver-facing request handler: routes, measures the time the sidecar adds, and turns any
 * unexpected failure into a 200 Snowflake error (never a 5xx).
 */
export function createProxyHandler(ctx: ProxyContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    route(ctx, req, res)
      .then(({ endpoint, upstreamSeconds }) => {
        const total = (performance.now() - started) / 1000;
        if (endpoint !== 'chunk') ctx.metrics.addedLatency.observe(Math.max(0, total - upstreamSeconds));
      })
      .catch((err: unknown) => {
        const e = err as { code?: string; message?: string };
        const gone = e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'ERR_STREAM_PREMATURE_CLOSE';
        if (gone) ctx.logger.debug({ err }, 'client went away');
        else ctx.logger.error({ err }, 'request failed');
        if (res.headersSent) {
          res.destroy();
          return;
        }
        sendSnowflakeError(res, { code: SIDECAR_SF_CODES.upstreamUnavailable, message: `snowtrail: internal error handling the request (${e.message ?? 'unknown'}); see the sidecar's log`, sqlState: 'XX000' }, ctx.metrics);
      });
  };
}
