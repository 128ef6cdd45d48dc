import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJsonBody, encodeJsonBody, formatSnowflakeToken, parseSnowflakeToken, type SnowflakeEnvelope, type TokenRequest, type TokenResponseData } from '@snowtrail/protocol';
import { SIDECAR_SF_CODES, SIDECAR_SQL_STATES } from './errors.js';
import { sendBytes, sendJson, sendSnowflakeError } from './http-io.js';
import type { ProxyContext } from './proxy-context.js';
import { extractRenewedTokens, rewriteTokenRequestBody, rewriteTokenResponse } from './token-rewrite.js';
import { forwardableHeaders } from './upstream-client.js';
import { answerUpstreamFailure } from './upstream-failure.js';

/**
 * `POST /session/token-request` (renewal, §8.2): authorised by the master handle; the body's
 * `oldSessionToken` handle becomes the real token; the answer's tokens become handles again.
 */
export async function handleTokenRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): Promise<number> {
  const entry = ctx.sessions.byMasterHandle(parseSnowflakeToken(req.headers.authorization), ctx.now());
  if (!entry || entry.realMasterToken === undefined) {
    sendSnowflakeError(res, { code: SIDECAR_SF_CODES.masterTokenInvalid, message: 'Master token is invalid.', sqlState: SIDECAR_SQL_STATES.connection }, ctx.metrics);
    return 0;
  }
  let body: TokenRequest;
  let wasGzip: boolean;
  try {
    const d = decodeJsonBody<TokenRequest>(raw, ctx.config().listen.maxRequestBytes);
    body = d.value ?? { requestType: 'RENEW' };
    wasGzip = d.wasGzip;
  } catch (err) {
    sendSnowflakeError(res, { code: SIDECAR_SF_CODES.requestInvalid, message: `snowtrail: ${(err as Error).message}`, sqlState: SIDECAR_SQL_STATES.requestInvalid }, ctx.metrics);
    return 0;
  }
  const headers: Record<string, string> = { ...forwardableHeaders(req.headers), authorization: formatSnowflakeToken(entry.realMasterToken), 'content-type': 'application/json' };
  delete headers['accept-encoding'];
  if (wasGzip) headers['content-encoding'] = 'gzip';
  else delete headers['content-encoding'];
  let answer;
  try {
    answer = await ctx.upstream.buffered({ method: 'POST', path: url.pathname + url.search, headers, body: encodeJsonBody(rewriteTokenRequestBody(body, entry.realSessionToken), wasGzip) });
  } catch (err) {
    answerUpstreamFailure(ctx, res, err, 'tokenRequest');
    return 0;
  }
  ctx.metrics.upstreamDuration.observe({ endpoint: 'tokenRequest' }, answer.elapsed);
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
