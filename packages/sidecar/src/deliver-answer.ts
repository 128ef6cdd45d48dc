import type { IncomingMessage, ServerResponse } from 'node:http';
import { createResultLimiter } from '@snowtrail/policy';
import { SF_CODES, type QueryResponseData, type SnowflakeEnvelope } from '@snowtrail/protocol';
import type { QueryEndInfo } from '@snowtrail/recording';
import { CHUNK_PATH_PREFIX } from './chunk-registry.js';
import { SIDECAR_SF_CODES, SIDECAR_SQL_STATES } from './errors.js';
import { sendBytes, sendSnowflakeError } from './http-io.js';
import type { DeliveryState, ProxyContext, StatementState } from './proxy-context.js';
import { rewriteChunkUrls, summarizeQueryAnswer, type AnswerSummary } from './query-answer.js';
import { confirmContext, settleFailedContextChange } from './session-context.js';
import type { SessionEntry } from './session-table.js';
import type { UpstreamBufferedAnswer } from './upstream-client.js';

/** The base URL the driver reached the sidecar at, for absolute chunk URLs (the driver accepts http, §6.1). */
export function clientBaseUrl(req: IncomingMessage, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`}`;
}

/** Text for a limit breach: which limit, its value, and that nothing past it was delivered. */
export function limitMessage(limit: 'rows' | 'bytes', max: number | undefined, seen: number): string {
  const what = limit === 'rows' ? 'rows' : 'bytes';
  return `snowtrail: result exceeds the policy limit of ${max ?? '?'} ${what} (the result has at least ${seen} ${what}); the result was not delivered. Narrow the query (filter, LIMIT) or ask for a higher policy.limits.maxResult${limit === 'rows' ? 'Rows' : 'Bytes'}`;
}

/**
 * Delivers a query answer (query-request or `/queries/<id>/result`): remembers query ids, applies
 * the result limits, rewrites chunk URLs to capabilities, records the inline bytes (durably before
 * release in required mode), ends the statement's record, tracks the session context.
 */
export async function deliverAnswer(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  answer: UpstreamBufferedAnswer,
  entry: SessionEntry,
  state: StatementState,
): Promise<void> {
  const cfg = ctx.config();
  // A child logger only when something is logged: the hot path logs nothing.
  const log = () => ctx.logger.child({ session: entry.id, requestId: state.requestId });
  const count = (outcome: 'allowed' | 'failed'): void => {
    if (state.counted || state.parent) return;
    state.counted = true;
    ctx.metrics.statements.inc({ outcome, class: state.statementClass });
  };
  let env: SnowflakeEnvelope<QueryResponseData | null>;
  try {
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
    env = JSON.parse(answer.bytes.toString('utf8')) as SnowflakeEnvelope<QueryResponseData | null>;
  } catch {
    // Not a JSON envelope (a non-200 from Snowflake): pass it through as it came (never as a 5xx).
    count('failed');
    sendBytes(res, answer.status >= 500 ? 200 : answer.status, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') }, answer.bytes, ctx.metrics);
    return;
  }
  const s = summarizeQueryAnswer(env);
  if (s.queryId) {
    state.queryId ??= s.queryId;
    ctx.knownQueries.add(s.queryId, entry, state);
  }
  /** Marks the statement ended; false when it was already (a re-fetch) or is a child of a multi-statement. */
  const markEnded = (): boolean => {
    if (state.ended || state.parent) return false;
    state.ended = true;
    entry.queries.delete(state.requestId);
    return true;
  };
  const end = (info: Omit<QueryEndInfo, 'requestId'>): void => {
    if (!markEnded()) return;
    state.recording?.queryEnded({ requestId: state.requestId, ...info }).catch((err: unknown) => log().warn({ err }, 'statement end not recorded'));
  };

  if (s.kind === 'in_progress') {
    sendBytes(res, 200, { 'content-type': 'application/json' }, answer.bytes, ctx.metrics);
    return;
  }
  if (s.kind === 'failure') {
    // 390112 is a renewal request, not the statement's outcome: the driver re-sends with the same requestId.
    if (env.code !== SF_CODES.sessionExpired) {
      count('failed');
      settleFailedContextChange(entry, state.requestId);
      end({ ...(s.queryId ? { queryId: s.queryId } : {}), status: s.errorCode === SF_CODES.statementCanceled ? 'canceled' : 'failed', ...(s.errorCode ? { errorCode: s.errorCode } : {}), ...(s.sqlState ? { sqlState: s.sqlState } : {}) });
      if (state.parent) state.recording?.note('upstream.error', { queryId: s.queryId, errorCode: s.errorCode }).catch(() => undefined);
    }
    sendBytes(res, 200, { 'content-type': 'application/json' }, answer.bytes, ctx.metrics);
    return;
  }
  count('allowed');
  if (s.kind === 'async_submitted') {
    end({ ...(s.queryId ? { queryId: s.queryId } : {}), status: 'async_submitted' });
    sendBytes(res, 200, { 'content-type': 'application/json' }, answer.bytes, ctx.metrics);
    return;
  }

  // A success: limits first (the row count is known up front from `returned`), then chunk capabilities.
  const limits = cfg.policy.limits;
  const limiter = createResultLimiter(limits);
  limiter.addRows(s.totalRows);
  const delivery: DeliveryState = { statement: state, limiter, format: s.format, entry };
  // A re-fetch (the driver's 403 refresh) replaces the statement's capabilities: live ones stay bounded.
  if (state.delivery) ctx.chunks.dropDelivery(state.delivery);
  state.delivery = delivery;
  const base = clientBaseUrl(req, cfg.listen.tls !== undefined);
  const now = ctx.now();
  const { envelope } = limiter.breach ? { envelope: env } : rewriteChunkUrls(env, (plan) => `${base}${CHUNK_PATH_PREFIX}${ctx.chunks.issue(plan, delivery, now)}`);
  const bytes = envelope === env ? answer.bytes : Buffer.from(JSON.stringify(envelope), 'utf8');
  if (!limiter.breach) limiter.addBytes(bytes.length);
  if (limiter.breach) {
    ctx.chunks.dropDelivery(delivery);
    breach(ctx, res, delivery, limiter.breach, s, end);
    return;
  }

  for (const child of s.resultIds ?? []) {
    const childState: StatementState = { requestId: state.requestId, queryId: child, ended: true, parent: state, recording: state.recording, statementClass: state.statementClass };
    ctx.knownQueries.add(child, entry, childState);
  }
  // The statement's end is recorded with its answer (one group commit), unless it was ended before (a re-fetch).
  const success: Omit<QueryEndInfo, 'requestId'> = { ...(s.queryId ? { queryId: s.queryId } : {}), status: 'success', rows: s.totalRows, bytes: bytes.length, ...(s.resultIds ? { resultIds: s.resultIds } : {}) };
  const endsHere = !state.ended && !state.parent;
  try {
    await state.recording?.result(
      { requestId: state.requestId, ...(s.queryId ? { queryId: s.queryId } : {}), part: 'inline', format: s.format, compression: 'none', contentType: 'application/json', rowCount: s.inlineRows, ...(s.columns ? { columns: s.columns } : {}) },
      bytes,
      endsHere ? { requestId: state.requestId, ...success } : undefined,
    );
  } catch (err) {
    log().warn({ err }, 'result refused: recording unavailable');
    ctx.chunks.dropDelivery(delivery);
    end({ ...(s.queryId ? { queryId: s.queryId } : {}), status: 'failed', errorCode: SIDECAR_SF_CODES.recordingUnavailable });
    sendSnowflakeError(res, { code: SIDECAR_SF_CODES.recordingUnavailable, message: 'snowtrail: the result was not delivered because it cannot be recorded right now (recording unavailable)', sqlState: SIDECAR_SQL_STATES.recordingUnavailable, ...(s.queryId ? { queryId: s.queryId } : {}) }, ctx.metrics);
    return;
  }
  confirmContext(entry, state.requestId, s);
  sendBytes(res, 200, { 'content-type': 'application/json' }, bytes, ctx.metrics);
  markEnded();
}

function breach(
  ctx: ProxyContext,
  res: ServerResponse,
  delivery: DeliveryState,
  limit: 'rows' | 'bytes',
  s: AnswerSummary,
  end: (info: { queryId?: string; status: 'limit_exceeded'; rows?: number; bytes?: number }) => void,
): void {
  const limits = ctx.config().policy.limits;
  ctx.metrics.limitBreaches.inc({ limit });
  const max = limit === 'rows' ? limits.maxResultRows : limits.maxResultBytes;
  const seen = limit === 'rows' ? delivery.limiter.rows : delivery.limiter.bytes;
  delivery.statement.recording?.note('limit.exceeded', { queryId: s.queryId, limit, max, seen }).catch(() => undefined);
  end({ ...(s.queryId ? { queryId: s.queryId } : {}), status: 'limit_exceeded', rows: 0, bytes: 0 });
  sendSnowflakeError(res, { code: SIDECAR_SF_CODES.resultLimitExceeded, message: limitMessage(limit, max, seen), sqlState: SIDECAR_SQL_STATES.resultLimitExceeded, ...(s.queryId ? { queryId: s.queryId } : {}) }, ctx.metrics);
}
