/**
 * The Snowflake REST endpoints (docs/protocol.md §2, §2): login, token renewal, heartbeat, session
 * delete, telemetry, query-request, result polls, monitoring and abort. Every answer is HTTP 200
 * JSON with Snowflake's envelope; failures use the one error builder.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import {
  SF_CODES,
  SQL_STATES,
  buildErrorEnvelope,
  buildSuccessEnvelope,
  parseSnowflakeToken,
  type LoginRequest,
  type QueryRequest,
  type TokenRequest,
} from '@snowtrail/protocol';
import type { Engine } from '../engine/engine.js';
import { SnowflakeError } from '../errors.js';
import { inProgressEnvelope, monitoringEnvelope, resultEnvelope, statementErrorEnvelope } from '../query/answers.js';
import type { QueryRecord, QueryStore } from '../query/queries.js';
import { createRecord, startQuery, type RunnerDeps } from '../query/runner.js';
import { verifyLogin, type RegisteredUser } from '../session/auth.js';
import type { IssuerKeys } from '../session/workload-identity.js';
import { answerParameters, type Session, type SessionStore } from '../session/sessions.js';
import type { LoginRecord } from '../types.js';
import { delay, readJsonBody, sendEnvelope } from './io.js';

/** Everything the handlers share. */
export interface HandlerContext extends RunnerDeps {
  engine: Engine;
  store: QueryStore;
  sessions: SessionStore;
  users: Map<string, RegisteredUser>;
  /** Keys of the OIDC issuers workload-identity users trust. */
  issuerKeys: IssuerKeys;
  account: string;
  logins: LoginRecord[];
  queryWaitMs: number;
  logger: Logger;
  /** requestIds aborted before their query-request arrived (§8.1 abort by requestId). */
  preAborted: Set<string>;
  /** Aborted when the emulator closes, to release long polls. */
  closing: AbortSignal;
}

/** Request-scoped inputs. */
export interface RequestInfo {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  baseUrl: string;
}

/** Resolves a login URL name: quoted keeps its case, unquoted is upper case (Snowflake identifier rules). */
export function resolveUrlName(value: string | null): string | null {
  if (value === null || value === '') return null;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1);
  return value.toUpperCase();
}

/** POST /session/v1/login-request (§3). */
export async function handleLogin(ctx: HandlerContext, { req, res, url }: RequestInfo): Promise<void> {
  const body = await readJsonBody<LoginRequest>(req);
  const data = body?.data ?? {};
  const outcome = await verifyLogin(data, ctx.users, ctx.account, ctx.now(), ctx.issuerKeys);
  if (!outcome.ok) {
    ctx.logins.push({ user: outcome.user, authenticator: outcome.authenticator, success: false, code: outcome.code, at: ctx.now() });
    ctx.logger.info({ authenticator: outcome.authenticator, code: outcome.code }, 'login refused');
    sendEnvelope(
      res,
      buildErrorEnvelope({
        code: outcome.code,
        message: outcome.message,
        sqlState: SQL_STATES.connection,
        data: { nextAction: 'RETRY_LOGIN', authnMethod: outcome.authnMethod, signInOptions: {} },
      }),
    );
    return;
  }
  const conn = await ctx.engine.connect();
  const sessionParameters = (data.SESSION_PARAMETERS ?? {}) as Record<string, unknown>;
  const session = ctx.sessions.create({
    user: outcome.user.name.toUpperCase(),
    authenticator: outcome.authenticator,
    conn,
    parameters: { ...sessionParameters },
    ...(typeof data.CLIENT_APP_ID === 'string' ? { clientAppId: data.CLIENT_APP_ID } : {}),
    names: {
      warehouse: resolveUrlName(url.searchParams.get('warehouse')),
      database: null,
      schema: null,
      role: resolveUrlName(url.searchParams.get('roleName')) ?? 'PUBLIC',
      user: outcome.user.name.toUpperCase(),
      account: ctx.account.toUpperCase(),
      sessionId: '',
    },
  });
  session.names.sessionId = String(session.id);
  // A database or schema that does not exist leaves the session without one, as in Snowflake.
  const database = resolveUrlName(url.searchParams.get('databaseName'));
  const schema = resolveUrlName(url.searchParams.get('schemaName'));
  if (database && (await ctx.engine.databaseExists(conn, database))) {
    session.names.database = database;
    const wanted = schema ?? 'PUBLIC';
    session.names.schema = (await ctx.engine.schemaExists(conn, database, wanted)) ? wanted : null;
  }
  await ctx.engine.applyUse(session);
  ctx.logins.push({ user: session.user, authenticator: outcome.authenticator, success: true, at: ctx.now(), ...(outcome.tokenId ? { tokenId: outcome.tokenId } : {}) });
  ctx.logger.info({ authenticator: outcome.authenticator, sessionId: session.id }, 'login accepted');
  const validity = ctx.sessions.validity;
  sendEnvelope(
    res,
    buildSuccessEnvelope({
      token: session.token,
      validityInSeconds: validity.session,
      masterToken: session.masterToken,
      masterValidityInSeconds: validity.master,
      sessionId: session.id,
      parameters: answerParameters(session),
      sessionInfo: {
        databaseName: session.names.database,
        schemaName: session.names.schema,
        warehouseName: session.names.warehouse,
        roleName: session.names.role,
      },
      displayUserName: session.user,
      serverVersion: '8.48.0',
      firstLogin: false,
      remMeToken: null,
      remMeValidityInSeconds: 0,
      healthCheckInterval: 45,
      newClientForUpgrade: null,
      idToken: null,
      idTokenValidityInSeconds: 0,
      mfaToken: null,
      mfaTokenValidityInSeconds: 0,
      responseData: null,
    }),
  );
}

/** Authenticates a session-token request; answers 390112/390104 itself and returns undefined then. */
export function authenticate(ctx: HandlerContext, { req, res }: RequestInfo): Session | undefined {
  const found = ctx.sessions.lookup(parseSnowflakeToken(req.headers.authorization));
  if (found.status === 'valid') return found.session;
  if (found.status === 'expired') {
    sendEnvelope(res, buildErrorEnvelope({ code: SF_CODES.sessionExpired, message: 'Your session has expired. Please login again.', sqlState: '08001' }));
  } else {
    sendEnvelope(res, buildErrorEnvelope({ code: SF_CODES.sessionTokenInvalid, message: 'Invalid session token. Please login again.', sqlState: '08001' }));
  }
  return undefined;
}

/** POST /session/token-request (§8.2): renewal authorised by the master token. */
export async function handleTokenRequest(ctx: HandlerContext, { req, res }: RequestInfo): Promise<void> {
  const body = await readJsonBody<TokenRequest>(req);
  const master = parseSnowflakeToken(req.headers.authorization);
  if (body?.requestType !== undefined && body.requestType !== 'RENEW') {
    sendEnvelope(res, buildErrorEnvelope({ code: SF_CODES.renewBadRequest, message: `Unsupported request type ${body.requestType}.`, sqlState: '08001' }));
    return;
  }
  const r = ctx.sessions.renew(master, body?.oldSessionToken);
  if (r.status !== 'ok') {
    const [code, message] =
      r.status === 'expired'
        ? [SF_CODES.masterTokenExpired, 'Master token expired.']
        : r.status === 'mismatch'
          ? [SF_CODES.renewBadRequest, 'The old session token does not belong to this master token.']
          : [SF_CODES.masterTokenNotFound, 'Master token not found.'];
    sendEnvelope(res, buildErrorEnvelope({ code, message, sqlState: '08001' }));
    return;
  }
  const validity = ctx.sessions.validity;
  // Field names differ from login, and masterToken must be echoed or the driver loses it (§8.2).
  sendEnvelope(
    res,
    buildSuccessEnvelope({
      sessionToken: r.session.token,
      validityInSecondsST: validity.session,
      masterToken: r.session.masterToken,
      validityInSecondsMT: validity.master,
      sessionId: r.session.id,
    }),
  );
}

/** POST /session?delete=true (§8.5). */
export function handleSessionDelete(ctx: HandlerContext, info: RequestInfo): void {
  if (info.url.searchParams.get('delete') !== 'true') {
    sendEnvelope(info.res, buildErrorEnvelope({ code: SF_CODES.renewBadRequest, message: 'Unsupported session request.', sqlState: '08001' }));
    return;
  }
  const session = authenticate(ctx, info);
  if (!session) return;
  for (const r of ctx.store.running()) if (r.session === session) r.controller.abort();
  ctx.sessions.close(session);
  sendEnvelope(info.res, buildSuccessEnvelope(null));
}

/** POST /queries/v1/query-request (§4). */
export async function handleQueryRequest(ctx: HandlerContext, info: RequestInfo): Promise<void> {
  const session = authenticate(ctx, info);
  if (!session) return;
  const body = await readJsonBody<QueryRequest>(info.req);
  if (!body || typeof body.sqlText !== 'string') {
    sendEnvelope(info.res, buildErrorEnvelope({ code: '000900', message: 'SQL compilation error:\nEmpty SQL statement.', sqlState: '42000' }));
    return;
  }
  const requestId = info.url.searchParams.get('requestId') ?? undefined;
  // A resubmitted request (same requestId: a retry after a reset or a 5xx, or the driver's
  // `requestId` option) gets the original statement's answer instead of executing it twice, as
  // Snowflake does for resubmissions.
  let record = requestId ? ctx.store.getByRequestId(requestId) : undefined;
  if (!record || record.session.user !== session.user) {
    record = createRecord(ctx, session, requestId, Object.keys(body.bindings ?? {}).length);
    if (requestId && ctx.preAborted.delete(requestId)) record.controller.abort();
    startQuery(ctx, record, body);
  }
  if (body.asyncExec) {
    sendEnvelope(info.res, inProgressEnvelope(record, true, answerParameters(session)));
    return;
  }
  await answerWhenDone(ctx, info, record);
}

async function answerWhenDone(ctx: HandlerContext, info: RequestInfo, record: QueryRecord): Promise<void> {
  if (record.status === 'RUNNING') {
    // Long-poll: the driver does not sleep between polls (§5.1), so the server holds the request.
    const wait = new AbortController();
    const onClose = (): void => wait.abort();
    info.res.once('close', onClose);
    ctx.closing.addEventListener('abort', onClose, { once: true });
    await Promise.race([record.done, delay(ctx.queryWaitMs, wait.signal)]);
    wait.abort();
    info.res.off('close', onClose);
    ctx.closing.removeEventListener('abort', onClose);
  }
  sendRecord(ctx, info, record);
}

function sendRecord(ctx: HandlerContext, info: RequestInfo, record: QueryRecord): void {
  if (record.status === 'RUNNING') {
    sendEnvelope(info.res, inProgressEnvelope(record, false, answerParameters(record.session)));
  } else if (record.result) {
    sendEnvelope(info.res, resultEnvelope(record, record.result, { baseUrl: info.baseUrl, parameters: answerParameters(record.session), now: ctx.now() }));
  } else {
    sendEnvelope(info.res, statementErrorEnvelope(record.error ?? new SnowflakeError(SF_CODES.internalError, SQL_STATES.internal, 'unknown failure'), record.id));
  }
}

function findRecord(ctx: HandlerContext, info: RequestInfo, session: Session, queryId: string): QueryRecord | undefined {
  const record = ctx.store.get(queryId);
  if (!record || record.session.user !== session.user) {
    sendEnvelope(
      info.res,
      buildErrorEnvelope({ code: SF_CODES.resultNotFound, message: `Statement ${queryId} not found`, sqlState: '02000', queryId }),
    );
    return undefined;
  }
  return record;
}

/** GET /queries/<id>/result: result poll and fetch by id (§5.1, §5.3). */
export async function handleQueryResult(ctx: HandlerContext, info: RequestInfo, queryId: string): Promise<void> {
  const session = authenticate(ctx, info);
  if (!session) return;
  const record = findRecord(ctx, info, session, queryId);
  if (record) await answerWhenDone(ctx, info, record);
}

/** GET /monitoring/queries/<id> (§5.2). */
export function handleMonitoring(ctx: HandlerContext, info: RequestInfo, queryId: string): void {
  const session = authenticate(ctx, info);
  if (!session) return;
  const record = ctx.store.get(queryId);
  sendEnvelope(info.res, monitoringEnvelope(record && record.session.user === session.user ? record : undefined, ctx.now()));
}

/** POST /queries/<id>/abort-request and /queries/v1/abort-request (§8.1). */
export async function handleAbort(ctx: HandlerContext, info: RequestInfo, queryId: string | undefined): Promise<void> {
  const session = authenticate(ctx, info);
  if (!session) return;
  let record: QueryRecord | undefined;
  if (queryId) {
    record = ctx.store.get(queryId);
  } else {
    const body = await readJsonBody<{ requestId?: string }>(info.req);
    const requestId = body?.requestId;
    if (requestId) {
      record = ctx.store.getByRequestId(requestId);
      if (!record) {
        // The abort raced ahead of its statement: cancel it as soon as it arrives.
        ctx.preAborted.add(requestId);
        sendEnvelope(info.res, buildSuccessEnvelope(null));
        return;
      }
    }
  }
  if (!record || record.session.user !== session.user || record.status !== 'RUNNING') {
    sendEnvelope(
      info.res,
      buildErrorEnvelope({ code: SF_CODES.queryNotExecuting, message: 'Identified SQL statement is not currently executing.', sqlState: '01000' }),
    );
    return;
  }
  record.controller.abort();
  sendEnvelope(info.res, buildSuccessEnvelope(null));
}

/** POST /session/heartbeat and /telemetry/send: accepted. */
export function handleAccepted(ctx: HandlerContext, info: RequestInfo): void {
  const session = authenticate(ctx, info);
  if (!session) return;
  info.req.resume();
  sendEnvelope(info.res, buildSuccessEnvelope(null));
}
