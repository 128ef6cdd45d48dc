import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatSnowflakeToken, type SnowflakeEnvelope, type TokenRequest, type TokenResponseData } from '@snowtrail/protocol';
import { SIDECAR_SF_CODES, SIDECAR_SQL_STATES } from './errors.js';
import { sendBytes, sendJson, sendSnowflakeError } from './http-io.js';
import type { ProxyContext } from './proxy-context.js';
import { extractRenewedTokens, rewriteTokenRequestBody, rewriteTokenResponse } from './token-rewrite.js';
import { forwardBuffered } from './forward-buffered.js';
import type { ParsedBody } from './request-body.js';
import type { SessionEntry } from './session-table.js';

/**
 * `POST /session/token-request` (renewal, §8.2): authorised by the master handle (checked before the
 * body is read, so `entry` has a real master token); the body's
 * `oldSessionToken` handle becomes the real token; the answer's tokens become handles again.
 */
export async function handleTokenRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, url: URL, body: ParsedBody, entry: SessionEntry): Promise<number> {
  const value = body.value;
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    sendSnowflakeError(res, { code: SIDECAR_SF_CODES.requestInvalid, message: 'snowtrail: the renewal body is not a JSON object', sqlState: SIDECAR_SQL_STATES.requestInvalid }, ctx.metrics);
    return 0;
  }
  const request = (value as TokenRequest | undefined) ?? { requestType: 'RENEW' };
  const answer = await forwardBuffered(ctx, req, res, {
    endpoint: 'tokenRequest',
    method: 'POST',
    path: url.pathname + url.search,
    authorization: formatSnowflakeToken(entry.realMasterToken!),
    body: rewriteTokenRequestBody(request, entry.realSessionToken),
    gzip: body.wasGzip,
  });
  if (!answer) return 0;
  let env: SnowflakeEnvelope<TokenResponseData | null> | undefined;
  try {
    env = answer.status === 200 ? (JSON.parse(answer.bytes.toString('utf8')) as SnowflakeEnvelope<TokenResponseData | null>) : undefined;
  } catch {
    env = undefined;
  }
  const renewed = env ? extractRenewedTokens(env) : undefined;
  if (!env || !renewed) {
    sendBytes(res, answer.status, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') }, answer.bytes, ctx.metrics);
    return answer.elapsed;
  }
  ctx.sessions.renew(entry, { realSessionToken: renewed.sessionToken, realMasterToken: renewed.masterToken, masterValiditySeconds: renewed.masterValiditySeconds, now: ctx.now() });
  entry.recording?.note('token.renewed', { masterRenewed: renewed.masterToken !== undefined }).catch((err: unknown) => ctx.logger.warn({ err }, 'renewal note not recorded'));
  sendJson(res, rewriteTokenResponse(env, { session: entry.sessionHandle, master: entry.masterHandle }), ctx.metrics);
  return answer.elapsed;
}
