import type { ServerResponse } from 'node:http';
import { SIDECAR_SF_CODES, SIDECAR_SQL_STATES } from './errors.js';
import { sendSnowflakeError } from './http-io.js';
import type { ProxyContext, StatementState } from './proxy-context.js';
import type { SessionEntry } from './session-table.js';

/** Who a query id or request id belongs to, seen from one session. */
export type Ownership = 'own' | 'other' | 'unknown';

/** Whose statement a query id names: this session's, another session's, or none this sidecar saw. */
export function ownerOfQuery(ctx: ProxyContext, entry: SessionEntry, queryId: string): { ownership: Ownership; state?: StatementState } {
  const known = ctx.knownQueries.get(queryId);
  if (!known) return { ownership: 'unknown' };
  return known.entry === entry ? { ownership: 'own', state: known.state } : { ownership: 'other' };
}

/** Whose in-flight statement a request id names (abort by request id). */
export function ownerOfRequest(ctx: ProxyContext, entry: SessionEntry, requestId: string): Ownership {
  if (entry.queries.has(requestId)) return 'own';
  return ctx.sessions.all().some((e) => e !== entry && e.queries.has(requestId)) ? 'other' : 'unknown';
}

/**
 * Refuses a reach into another session's statement: answered as an access-control error and
 * recorded in the attempting session's recording only (the other session's record is not touched).
 */
export async function refuseForeign(ctx: ProxyContext, res: ServerResponse, entry: SessionEntry, endpoint: string, target: { queryId: string } | { requestId: string }): Promise<void> {
  const message =
    'queryId' in target
      ? `snowtrail: query ${target.queryId} belongs to another session of this sidecar; its result, status and cancellation are served only to the session that ran it`
      : `snowtrail: statement request ${target.requestId} belongs to another session of this sidecar; it can be cancelled only by the session that ran it`;
  ctx.metrics.foreignAccess.inc({ endpoint });
  ctx.logger.warn({ session: entry.id, endpoint }, 'reach into another session refused');
  try {
    await entry.recording?.note('access.refused', { endpoint, ...target });
  } catch (err) {
    ctx.logger.warn({ err, session: entry.id }, 'refused access not recorded');
  }
  sendSnowflakeError(res, { code: SIDECAR_SF_CODES.queryNotOwned, message, sqlState: SIDECAR_SQL_STATES.accessControl, ...('queryId' in target ? { queryId: target.queryId } : {}) }, ctx.metrics);
}

/** Answers a query id this sidecar never saw: results of statements that did not pass it are not served. */
export function refuseUnknownQuery(ctx: ProxyContext, res: ServerResponse, queryId: string): void {
  sendSnowflakeError(res, { code: SIDECAR_SF_CODES.resultNotFound, message: `Statement ${queryId} not found`, sqlState: '02000', queryId }, ctx.metrics);
}
