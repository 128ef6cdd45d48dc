import type { IncomingMessage, ServerResponse } from 'node:http';
import { type LoginRequest, type LoginResponseData, type SnowflakeEnvelope } from '@snowtrail/protocol';
import { describeAuthFailure, type AuthFailureReason } from './auth-reasons.js';
import { clientTokenFrom } from './client-authenticator.js';
import { clientInfoFrom } from './client-info.js';
import { SIDECAR_SF_CODES, SIDECAR_SQL_STATES } from './errors.js';
import { sendBytes, sendJson, sendSnowflakeError } from './http-io.js';
import { buildUpstreamLoginQuery, describeContextConflict, extractLoginTokens, resolveLoginContext, rewriteLoginRequestBody, rewriteLoginResponse } from './login-rewrite.js';
import type { ProxyContext } from './proxy-context.js';
import { forwardBuffered } from './forward-buffered.js';
import type { ParsedBody } from './request-body.js';
import { denialMessage } from './handle-query.js';
import { judgeSessionParameters } from './session-parameters.js';
import { recordCredentialFailure } from './upstream-workload-identity.js';

/** Login refusals answer like Snowflake refusing an OAuth token (§3.4), so the driver stops at once. */
const LOGIN_REFUSAL_DATA = { nextAction: 'RETRY_LOGIN', authnMethod: 'OAUTH', signInOptions: {} };

/**
 * `POST /session/v1/login-request`: verify the pod's projected token, log in upstream with the
 * sidecar's own credential, answer with opaque handles. Upstream refusals pass through unchanged.
 */
export async function handleLogin(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, url: URL, input: { body: ParsedBody } | { malformed: string }): Promise<number> {
  const cfg = ctx.config();
  const log = ctx.logger.child({ endpoint: 'login' });
  const body = 'body' in input ? (input.body.value as LoginRequest | undefined) : undefined;
  const wasGzip = 'body' in input && input.body.wasGzip;
  const data = (body && typeof body.data === 'object' && body.data !== null ? body.data : undefined) as Record<string, unknown> | undefined;
  const client = clientInfoFrom(req, data);

  const refuse = async (reason: AuthFailureReason | 'login_parameter_conflict' | 'session_parameter_denied', message: string, code: string, claims?: Record<string, unknown>): Promise<number> => {
    ctx.metrics.logins.inc({ outcome: 'failure', reason });
    log.info({ reason, client: { app: client.app, address: client.address } }, 'login refused');
    try {
      await ctx.refusals.refuse(claims ? { reason, message, client, claims } : { reason, message, client });
    } catch (err) {
      log.warn({ err, reason }, 'auth failure could not be recorded');
    }
    sendSnowflakeError(res, { code, message, sqlState: SIDECAR_SQL_STATES.connection, data: LOGIN_REFUSAL_DATA }, ctx.metrics);
    return 0;
  };

  if (!body || !data) return refuse('request_malformed', describeAuthFailure('request_malformed', 'malformed' in input ? input.malformed.replace(/^snowtrail: /, '') : undefined), SIDECAR_SF_CODES.authFailed);
  const presented = clientTokenFrom(data);
  if (!presented.ok) return refuse(presented.reason, describeAuthFailure(presented.reason, presented.detail), SIDECAR_SF_CODES.authFailed);

  const verified = await ctx.verifyIdentity(presented.token);
  if (!verified.ok) return refuse(verified.reason, describeAuthFailure(verified.reason, verified.detail), SIDECAR_SF_CODES.authFailed, verified.claims);

  const up = cfg.upstream;
  const resolved = resolveLoginContext(url.searchParams, { role: up.role, warehouse: up.warehouse, database: up.database, schema: up.schema });
  if (!resolved.ok) return refuse('login_parameter_conflict', describeContextConflict(resolved), SIDECAR_SF_CODES.loginParameterConflict, verified.claims);
  // Session parameters set at login are judged like the ALTER SESSION SET they amount to (ADR 0028).
  const parameters = judgeSessionParameters(data.SESSION_PARAMETERS, cfg.policy);
  if (!parameters.ok) return refuse('session_parameter_denied', denialMessage(parameters.decision), SIDECAR_SF_CODES.statementDenied, verified.claims);

  let upstreamBody: LoginRequest;
  try {
    upstreamBody = rewriteLoginRequestBody({ ...body, data: { ...data, SESSION_PARAMETERS: parameters.accepted } }, await ctx.credential(), up.account, up.user);
  } catch (err) {
    log.error({ err }, 'upstream credential unusable');
    ctx.metrics.logins.inc({ outcome: 'failure', reason: 'credential_unusable' });
    await recordCredentialFailure(ctx, { message: (err as Error).message, client, claims: verified.claims }, log);
    sendSnowflakeError(res, { code: SIDECAR_SF_CODES.upstreamUnavailable, message: `snowtrail: the sidecar's Snowflake credential cannot be used (${(err as Error).message}); see the sidecar's log`, sqlState: SIDECAR_SQL_STATES.upstreamUnavailable }, ctx.metrics);
    return 0;
  }
  const path = `${url.pathname}?${buildUpstreamLoginQuery(url.searchParams, resolved.context)}`;
  const answer = await forwardBuffered(ctx, req, res, { endpoint: 'login', method: 'POST', path, body: upstreamBody, gzip: wasGzip });
  if (!answer) {
    ctx.metrics.logins.inc({ outcome: 'failure', reason: 'upstream_unavailable' });
    return 0;
  }

  let env: SnowflakeEnvelope<LoginResponseData | null> | undefined;
  try {
    env = answer.status === 200 ? (JSON.parse(answer.bytes.toString('utf8')) as SnowflakeEnvelope<LoginResponseData | null>) : undefined;
  } catch {
    env = undefined;
  }
  const tokens = env ? extractLoginTokens(env) : undefined;
  if (!env || !tokens) {
    // A failed upstream login passes through unchanged: rewriting it can make drivers loop (Teleport).
    ctx.metrics.logins.inc({ outcome: 'failure', reason: 'upstream_rejected' });
    log.warn({ status: answer.status, code: env?.code }, 'upstream login refused');
    try {
      await ctx.refusals.refuse({ reason: 'upstream_rejected', message: env?.message ?? `HTTP ${answer.status}`, client, claims: verified.claims });
    } catch (err) {
      log.warn({ err }, 'auth failure could not be recorded');
    }
    sendBytes(res, answer.status, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') }, answer.bytes, ctx.metrics);
    return answer.elapsed;
  }

  const info = tokens.sessionInfo ?? {};
  const context = { database: info.databaseName ?? resolved.context.database ?? undefined, schema: info.schemaName ?? resolved.context.schema ?? undefined };
  const entry = ctx.sessions.create({
    realSessionToken: tokens.token,
    realMasterToken: tokens.masterToken,
    masterValiditySeconds: tokens.masterValidityInSeconds,
    identity: verified.identity,
    context,
    now: ctx.now(),
  });
  try {
    entry.recording = await ctx.recorder.startSession({
      identity: verified.identity,
      policy: { name: cfg.policy.name, generation: cfg.policy.generation },
      snowflake: {
        account: up.account,
        user: up.user,
        ...optional('role', info.roleName ?? resolved.context.role),
        ...optional('warehouse', info.warehouseName ?? resolved.context.warehouse),
        ...optional('database', context.database),
        ...optional('schema', context.schema),
      },
      client,
      upstreamAuth: up.auth.type,
      ...(tokens.sessionId ? { upstreamSessionId: tokens.sessionId } : {}),
      sessionParameters: parameters.accepted,
    });
  } catch (err) {
    log.error({ err }, 'session start could not be recorded; login refused');
    ctx.sessions.remove(entry);
    ctx.metrics.logins.inc({ outcome: 'failure', reason: 'recording_unavailable' });
    void ctx.upstream
      .stream({ method: 'POST', path: '/session?delete=true', headers: { authorization: `Snowflake Token="${tokens.token}"`, 'content-type': 'application/json', accept: 'application/json' } })
      .then((r) => r.body.dump())
      .catch(() => undefined);
    sendSnowflakeError(res, { code: SIDECAR_SF_CODES.recordingUnavailable, message: 'snowtrail: the session cannot be recorded right now, so it was not opened; try again later', sqlState: SIDECAR_SQL_STATES.recordingUnavailable }, ctx.metrics);
    return answer.elapsed;
  }
  ctx.metrics.logins.inc({ outcome: 'success', reason: 'ok' });
  ctx.metrics.activeSessions.set(ctx.sessions.size);
  log.info({ session: entry.id, subject: verified.identity.subject, pod: verified.identity.podName }, 'session opened');
  sendJson(res, rewriteLoginResponse(env, { session: entry.sessionHandle, master: entry.masterHandle }), ctx.metrics);
  return answer.elapsed;
}

function optional<K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
