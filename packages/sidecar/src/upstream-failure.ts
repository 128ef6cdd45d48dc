import type { ServerResponse } from 'node:http';
import { SIDECAR_ERRORS, SIDECAR_SF_CODES, SIDECAR_SQL_STATES } from './errors.js';
import { sendSnowflakeError } from './http-io.js';
import type { ProxyContext } from './proxy-context.js';

/**
 * Answers the driver when Snowflake could not be reached or answered badly: HTTP 200 with code
 * 399503 and what happened, never a 5xx (snowflake-sdk retries a 5xx up to 1000 times, §1.5).
 */
export function answerUpstreamFailure(ctx: ProxyContext, res: ServerResponse, err: unknown, endpoint: string): void {
  const e = err as { code?: string; message?: string };
  const what = e.code === SIDECAR_ERRORS.answerTooLarge ? 'answered with more than the sidecar buffers' : e.code === SIDECAR_ERRORS.upstreamBadAnswer ? 'is failing' : 'is unreachable';
  ctx.logger.warn({ err, endpoint }, 'upstream request failed');
  sendSnowflakeError(
    res,
    { code: SIDECAR_SF_CODES.upstreamUnavailable, message: `snowtrail: Snowflake ${what}: ${e.message ?? 'unknown error'}`, sqlState: SIDECAR_SQL_STATES.upstreamUnavailable },
    ctx.metrics,
  );
}
