import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeJsonBody, formatSnowflakeToken, SF_CODES, type EndpointName } from '@snowtrail/protocol';
import { SIDECAR_SQL_STATES } from './errors.js';
import { ownerOfQuery, ownerOfRequest, refuseForeign, refuseUnknownQuery } from './query-ownership.js';
import type { ProxyContext } from './proxy-context.js';
import type { ParsedBody } from './request-body.js';
import type { SessionEntry } from './session-table.js';
import { forwardableHeaders } from './upstream-client.js';
import { answerUpstreamFailure } from './upstream-failure.js';
import { sendSnowflakeError } from './http-io.js';

/** The `requestId` an abort-by-request body names (`{ sqlText, requestId }`, snowflake-sdk statement.js cancel). */
function abortRequestId(value: unknown): string | undefined {
  const id = typeof value === 'object' && value !== null ? (value as { requestId?: unknown }).requestId : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Heartbeat, telemetry, monitoring, abort (both forms) and session delete: the session handle is
 * swapped for the real token and the answer streams back unchanged. Monitoring and aborts reach only
 * the session's own statements.
 */
export async function handlePassthrough(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: ParsedBody,
  entry: SessionEntry,
  endpoint: EndpointName,
  queryId: string | undefined,
): Promise<number> {
  if (queryId !== undefined) {
    const owner = ownerOfQuery(ctx, entry, queryId).ownership;
    if (owner === 'other') {
      await refuseForeign(ctx, res, entry, endpoint, { queryId });
      return 0;
    }
    if (owner === 'unknown') {
      refuseUnknownQuery(ctx, res, queryId);
      return 0;
    }
  }
  if (endpoint === 'abortByRequestId') {
    const requestId = abortRequestId(body.value);
    const owner = requestId === undefined ? 'unknown' : ownerOfRequest(ctx, entry, requestId);
    if (owner === 'other') {
      await refuseForeign(ctx, res, entry, endpoint, { requestId: requestId! });
      return 0;
    }
    if (owner === 'unknown') {
      sendSnowflakeError(res, { code: SF_CODES.queryNotExecuting, message: 'snowtrail: no statement of this session runs with that requestId', sqlState: SIDECAR_SQL_STATES.requestInvalid }, ctx.metrics);
      return 0;
    }
  }
  const headers: Record<string, string> = { ...forwardableHeaders(req.headers), authorization: formatSnowflakeToken(entry.realSessionToken) };
  // The body as parsed, re-serialised (plain: it was inflated on the way in).
  delete headers['content-encoding'];
  let answer;
  try {
    answer = await ctx.upstream.stream({ method: req.method === 'GET' ? 'GET' : 'POST', path: url.pathname + url.search, headers, body: body.value !== undefined ? encodeJsonBody(body.value, false) : undefined });
  } catch (err) {
    answerUpstreamFailure(ctx, res, err, endpoint);
    return 0;
  }
  ctx.metrics.upstreamDuration.observe({ endpoint }, answer.elapsed);
  const out: Record<string, string> = {};
  for (const h of ['content-type', 'content-encoding', 'content-length']) {
    const v = answer.headers[h];
    if (v !== undefined) out[h] = String(v);
  }
  res.writeHead(answer.status, out);
  let n = 0;
  for await (const part of answer.body) {
    n += (part as Buffer).length;
    if (!res.write(part)) await new Promise<void>((resolve) => res.once('drain', resolve));
  }
  res.end();
  ctx.metrics.clientBytes.inc({ direction: 'out' }, n);
  if (endpoint === 'abortByQueryId' || endpoint === 'abortByRequestId') {
    entry.recording?.note('query.abort', queryId ? { queryId } : { byRequestId: true }).catch((err: unknown) => ctx.logger.warn({ err }, 'abort note not recorded'));
  }
  return answer.elapsed;
}
