import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatSnowflakeToken } from '@snowtrail/protocol';
import { deliverAnswer } from './deliver-answer.js';
import { ownerOfQuery, refuseForeign, refuseUnknownQuery } from './query-ownership.js';
import type { ProxyContext } from './proxy-context.js';
import type { SessionEntry } from './session-table.js';
import { forwardBuffered } from './forward-buffered.js';

/**
 * `GET /queries/<id>/result`: polls after 333333, multi-statement children, async results and the
 * driver's 403-refresh (which gets fresh capabilities). Only query ids this sidecar has seen are
 * served, so a pod cannot read results of statements that never passed its policy and recording, and
 * only to the session that ran the statement.
 */
export async function handleResult(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, url: URL, entry: SessionEntry, queryId: string): Promise<number> {
  const known = ownerOfQuery(ctx, entry, queryId);
  if (known.ownership === 'other') {
    await refuseForeign(ctx, res, entry, 'queryResult', { queryId });
    return 0;
  }
  if (!known.state) {
    refuseUnknownQuery(ctx, res, queryId);
    return 0;
  }
  const answer = await forwardBuffered(ctx, req, res, { endpoint: 'queryResult', method: 'GET', path: url.pathname + url.search, authorization: formatSnowflakeToken(entry.realSessionToken) });
  if (!answer) return 0;
  await deliverAnswer(ctx, req, res, answer, entry, known.state);
  return answer.elapsed;
}
