import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatSnowflakeToken, SF_CODES, type EndpointName } from '@snowtrail/protocol';
import { SIDECAR_SQL_STATES } from './errors.js';
import { ownerOfQuery, ownerOfRequest, refuseForeign, refuseUnknownQuery } from './query-ownership.js';
import type { ProxyContext } from './proxy-context.js';
import type { SessionEntry } from './session-table.js';
import { forwardableHeaders } from './upstream-client.js';
import { answerUpstreamFailure } from './upstream-failure.js';
import { sendSnowflakeError } from './http-io.js';

/** The `requestId` an abort-by-request body names (`{ sqlText, requestId }`, snowflake-sdk statement.js cancel). */
function abortRequestId(raw: Buffer): string | undefined {
  try {
    const body = JSON.parse(raw.toString('utf8')) as { requestId?: unknown };
    return typeof body.requestId === 'string' ? body.requestId : undefined;
  } catch {
    return undefined;
  }
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
  raw: Buffer,
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
    const requestId = abortRequestId(raw);
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
  const headers = { ...forwardableHeaders(req.headers), authorization: formatSnowflakeToken(entry.realSessionToken) };
  let answer;
  try {
    answer = await ctx.upstream.stream({ method: req.method === 'GET' ? 'GET' : 'POST', path: url.pathname + url.search, headers, body: raw.length > 0 ? raw : undefined });
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
