import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { classifySql, decide, isEffectFree, type ClassifiedStatement, type Decision } from '@snowtrail/policy';
import { formatSnowflakeToken, type QueryRequest } from '@snowtrail/protocol';
import type { QueryStartInfo } from '@snowtrail/recording';
import { SIDECAR_SF_CODES, SIDECAR_SQL_STATES } from './errors.js';
import { sendSnowflakeError } from './http-io.js';
import type { ProxyContext, StatementState } from './proxy-context.js';
import { deliverAnswer } from './deliver-answer.js';
import { checkPinnedSwitch, contextAfterStatements, isContextReset, MAX_POSSIBLE_CONTEXTS, noteContextChange, possibleContexts, toSessionContext, type TrackedContext } from './session-context.js';
import type { SessionEntry } from './session-table.js';
import { forwardBuffered } from './forward-buffered.js';
import type { ParsedBody } from './request-body.js';
import { judgeSessionParameters } from './session-parameters.js';
import { verifyByPlan } from './verify-plan.js';

/** The `class` label of a statement request: its class, or MULTI_STATEMENT for several. */
export function statementLabel(statements: readonly ClassifiedStatement[], decision?: Decision): string {
  if (decision?.action === 'deny' && decision.statementIndex !== undefined) return statements[decision.statementIndex]?.class ?? 'OTHER';
  if (statements.length === 1) return statements[0]!.class;
  return statements.length === 0 ? 'OTHER' : 'MULTI_STATEMENT';
}

/**
 * Applies the statement policy plus the sidecar's pinned-context guard; never throws. The request
 * is classified and decided in every context the session could be in (more than one while a
 * context change is unconfirmed) and allowed only when it is allowed in all of them; an allowed
 * request that changes the context is recorded as unconfirmed under `requestId`.
 */
export function decideStatements(ctx: ProxyContext, sqlText: string, entry: SessionEntry, requestId?: string): { statements: ClassifiedStatement[]; decision: Decision } {
  const cfg = ctx.config();
  let contexts = possibleContexts(entry);
  if (contexts.length > MAX_POSSIBLE_CONTEXTS) {
    // Too many possibilities to judge each: only a USE that sets the context whatever it was goes on.
    const [a, b] = [contexts[0]!, contexts[1]!];
    if (!isContextReset(classifySql(sqlText, toSessionContext(a)), a, classifySql(sqlText, toSessionContext(b)), b)) {
      return {
        statements: [],
        decision: {
          action: 'deny',
          reasonKey: 'context_uncertain',
          reason: `the session's current database and schema are uncertain (${contexts.length} possible after USE statements whose outcome is not known yet); fetch the results of the asynchronous statements that change them, then run USE <database>.<schema> (or open a new session)`,
        },
      };
    }
    contexts = [a];
  }
  let first: { statements: ClassifiedStatement[]; decision: Decision } | undefined;
  const afters: TrackedContext[] = [];
  for (const context of contexts) {
    let statements: ClassifiedStatement[];
    try {
      statements = classifySql(sqlText, toSessionContext(context));
    } catch (err) {
      ctx.logger.warn({ err }, 'statement could not be classified; denied');
      return { statements: [], decision: { action: 'deny', reasonKey: 'unclassifiable', reason: 'the statement could not be classified' } };
    }
    for (let i = 0; i < statements.length; i++) {
      const refusal = checkPinnedSwitch([statements[i]!], { role: cfg.upstream.role, warehouse: cfg.upstream.warehouse });
      if (refusal) return { statements, decision: { action: 'deny', reasonKey: 'context_pinned', reason: refusal, statementIndex: i } };
    }
    const decision = decide(statements, cfg.policy);
    if (decision.action === 'deny') return { statements, decision };
    first ??= { statements, decision };
    const after = contextAfterStatements(statements, context);
    if (after !== context) afters.push(after);
  }
  if (requestId !== undefined && afters.length > 0) noteContextChange(entry, requestId, afters);
  return first!;
}

/** A denial's message, as Snowflake words access-control errors (§12.2). */
export function denialMessage(d: Decision): string {
  return `SQL access control error: ${d.reason}${d.rule ? ` (rule ${d.rule})` : ''}`;
}

/**
 * `POST /queries/v1/query-request`: classify and decide; deny → 003001 never forwarded; otherwise
 * record the statement (durably, in required mode) before forwarding, then deliver the answer.
 */
export async function handleQueryRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, url: URL, parsed: ParsedBody, entry: SessionEntry): Promise<number> {
  const cfg = ctx.config();
  const body = parsed.value as QueryRequest | undefined;
  if (!body || typeof body !== 'object' || typeof body.sqlText !== 'string') {
    sendSnowflakeError(res, { code: SIDECAR_SF_CODES.requestInvalid, message: 'snowtrail: query-request without sqlText', sqlState: SIDECAR_SQL_STATES.requestInvalid }, ctx.metrics);
    return 0;
  }
  const requestId = url.searchParams.get('requestId') ?? randomUUID();
  const judged = decideStatements(ctx, body.sqlText, entry, requestId);
  const { statements } = judged;
  let decision = judged.decision;
  // Statement-level session parameters are judged like ALTER SESSION SET (ADR 0028).
  if (decision.action === 'allow' && body.parameters !== undefined) {
    const parameters = judgeSessionParameters(body.parameters, cfg.policy);
    if (parameters.ok) body.parameters = parameters.accepted;
    else decision = parameters.decision;
  }
  // policy.verify: explain asks Snowflake's compiler what an allowed read really scans (ADR 0067).
  let planObjects: string[] | undefined;
  if (decision.action === 'allow' && cfg.policy.verify === 'explain') {
    const verified = await verifyByPlan(ctx, req, entry, statements, body);
    planObjects = verified.objects;
    if (verified.decision) decision = verified.decision;
  }
  const label = statementLabel(statements, decision);
  const info: QueryStartInfo = {
    requestId,
    sqlText: body.sqlText,
    ...(body.bindings !== undefined ? { bindings: body.bindings } : {}),
    ...(body.parameters !== undefined ? { parameters: body.parameters } : {}),
    ...(body.bindStage !== undefined ? { bindStage: body.bindStage } : {}),
    ...(body.asyncExec !== undefined ? { asyncExec: body.asyncExec } : {}),
    statements: statements.map((s) => ({ class: s.class, reads: s.reads, writes: s.writes })),
    ...(planObjects !== undefined ? { planObjects } : {}),
    decision: decision.action,
    ...(decision.rule ? { rule: decision.rule } : {}),
    reason: decision.reason,
    // An effect-free read may be forwarded once its event is written; its answer waits for both (writeAhead).
    ...(decision.action === 'allow' && isEffectFree(statements) ? { effectFree: true } : {}),
  };
  // A child logger only when something is logged: the hot path logs nothing.
  const log = () => ctx.logger.child({ session: entry.id, requestId });

  if (decision.action === 'deny') {
    ctx.metrics.statements.inc({ outcome: 'denied', class: label });
    log().info({ class: label, reason: decision.reasonKey }, 'statement denied');
    try {
      await entry.recording?.queryDenied(info);
    } catch (err) {
      log().warn({ err }, 'denial could not be recorded');
    }
    sendSnowflakeError(res, { code: SIDECAR_SF_CODES.statementDenied, message: denialMessage(decision), sqlState: SIDECAR_SQL_STATES.accessControl, queryId: randomUUID() }, ctx.metrics);
    return 0;
  }

  // A re-send with the same requestId (after a 390112 renewal, §8.2) continues the same statement.
  let state = entry.queries.get(requestId) as StatementState | undefined;
  if (!state) {
    state = { requestId, ended: false, recording: entry.recording, statementClass: label, useText: statements.length === 1 && statements[0]!.class === 'USE' ? statements[0]!.text : undefined };
    try {
      await entry.recording?.queryStarted(info);
    } catch (err) {
      ctx.metrics.statements.inc({ outcome: 'refused', class: label });
      log().warn({ err }, 'statement refused: recording unavailable');
      sendSnowflakeError(res, { code: SIDECAR_SF_CODES.recordingUnavailable, message: 'snowtrail: the statement was not run because it cannot be recorded right now (recording unavailable); try again later', sqlState: SIDECAR_SQL_STATES.recordingUnavailable }, ctx.metrics);
      return 0;
    }
    entry.queries.set(requestId, state);
  }

  // What reaches Snowflake is the canonical serialisation of the body that was judged (ADR 0026).
  const answer = await forwardBuffered(ctx, req, res, { endpoint: 'queryRequest', method: 'POST', path: url.pathname + url.search, authorization: formatSnowflakeToken(entry.realSessionToken), body, gzip: parsed.wasGzip });
  if (!answer) {
    if (!state.counted) ctx.metrics.statements.inc({ outcome: 'failed', class: label });
    entry.queries.delete(requestId);
    state.ended = true;
    entry.recording?.queryEnded({ requestId, status: 'failed', errorCode: SIDECAR_SF_CODES.upstreamUnavailable }).catch(() => undefined);
    return 0;
  }
  await deliverAnswer(ctx, req, res, answer, entry, state);
  return answer.elapsed;
}
