/**
 * startEmulator: wires DuckDB, the session and query tables, fault injection and the HTTP router
 * into a Snowflake REST server that snowflake-sdk 3.3.0 accepts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pino } from 'pino';
import { matchEndpoint, SF_CODES, SQL_STATES, buildErrorEnvelope, type EndpointName } from '@snowtrail/protocol';
import { Engine } from './engine/engine.js';
import { EMULATOR_ERROR_CODES, EmulatorError } from './errors.js';
import { createFaultState, parseFaultSettings, type FaultState, type FaultTarget } from './faults.js';
import * as h from './http/handlers.js';
import { delay, readJsonBody, sendEnvelope, sendJson } from './http/io.js';
import { serveChunk } from './http/chunks.js';
import { QueryStore } from './query/queries.js';
import { registerUsers } from './session/auth.js';
import { createIssuerKeys } from './session/workload-identity.js';
import { applyUserStatement, parseUserStatement } from './session/workload-identity-sql.js';
import { SessionStore } from './session/sessions.js';
import { splitStatements } from './sql/lexer.js';
import type { EmulatorHandle, EmulatorOptions, LoginRecord } from './types.js';

const CHUNK_PATH = /^\/__chunks\/([A-Za-z0-9_-]+)\/(\d+)$/;

function faultTarget(name: EndpointName | 'chunk'): FaultTarget | undefined {
  switch (name) {
    case 'login':
      return 'login';
    case 'queryRequest':
      return 'query';
    case 'queryResult':
      return 'result';
    case 'chunk':
      return 'chunk';
    default:
      return undefined;
  }
}

/** Validates options once, naming the bad field. */
function checkOptions(options: EmulatorOptions): void {
  const bad = (why: string): never => {
    throw new EmulatorError(EMULATOR_ERROR_CODES.invalidOptions, `emulator options: ${why}`);
  };
  if (!options || typeof options !== 'object') bad('options object is required');
  if (typeof options.account !== 'string' || options.account.trim() === '') bad('account is required');
  if (!Array.isArray(options.users)) bad('users must be an array');
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)) bad('port must be 0..65535');
  const c = options.chunking;
  for (const k of ['inlineRows', 'rowsPerChunk', 'maxInlineBytes'] as const) {
    const v = c?.[k];
    if (v !== undefined && (!Number.isInteger(v) || v < (k === 'rowsPerChunk' ? 1 : 0))) bad(`chunking.${k} must be a ${k === 'rowsPerChunk' ? 'positive' : 'non-negative'} integer`);
  }
}

/** Runs the init SQL in a throw-away session state; names the failing statement. */
async function runInitSql(engine: Engine, sql: string, account: string): Promise<void> {
  const conn = await engine.connect();
  const state = { conn, names: { warehouse: null, database: null, schema: null, role: 'SYSADMIN', user: 'SYSTEM', account, sessionId: '0' } };
  const statements = splitStatements(sql);
  const signal = new AbortController().signal;
  try {
    for (const [i, statement] of statements.entries()) {
      try {
        await engine.execute({ state, sql: statement, signal });
      } catch (err) {
        throw new EmulatorError(EMULATOR_ERROR_CODES.initSqlFailed, `init SQL statement ${i + 1} failed: ${(err as Error).message}`, { cause: err });
      }
    }
  } finally {
    conn.closeSync();
  }
}

/** Starts a Snowflake-protocol emulator backed by DuckDB. */
export async function startEmulator(options: EmulatorOptions): Promise<EmulatorHandle> {
  checkOptions(options);
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ level: 'silent' });
  const users = registerUsers(options.users);
  const engine = await Engine.create();
  // Set before the init SQL runs, so it can create workload-identity users too.
  engine.userStatements = (sql) => {
    const stmt = parseUserStatement(sql);
    return stmt ? applyUserStatement(stmt, users, (name) => ({ name })) : undefined;
  };
  try {
    if (options.initSql) await runInitSql(engine, options.initSql, options.account.toUpperCase());
  } catch (err) {
    engine.close();
    throw err;
  }
  const sessions = new SessionStore(options.sessionValiditySeconds ?? 3600, options.masterValiditySeconds ?? 14400, now);
  const store = new QueryStore(options.resultRetentionMs ?? 30 * 60 * 1000, now);
  const faults: FaultState = createFaultState(options.faults ? parseFaultSettings(options.faults) : undefined, () => sessions.expireAll());
  const logins: LoginRecord[] = [];
  const closing = new AbortController();
  const ctx: h.HandlerContext = {
    engine,
    store,
    sessions,
    users,
    issuerKeys: createIssuerKeys(options.workloadIdentityJwks),
    account: options.account,
    logins,
    queryWaitMs: options.queryWaitMs ?? 20_000,
    logger,
    preAborted: new Set(),
    closing: closing.signal,
    now,
    ...(options.chunking ? { chunking: options.chunking } : {}),
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const baseUrl = `http://${req.headers.host ?? `${options.host ?? '127.0.0.1'}:${port}`}`;
    const info: h.RequestInfo = { req, res, url, baseUrl };
    if (url.pathname === '/__emulator/faults') return controlFaults(info);
    if (url.pathname === '/__emulator/health') return sendJson(res, 200, { ok: true });
    const chunk = CHUNK_PATH.exec(url.pathname);
    const endpoint = chunk ? { name: 'chunk' as const } : matchEndpoint(req.method ?? 'GET', url.pathname);
    const target = faultTarget(endpoint.name);
    if (target && faults.takeReset(target)) {
      logger.debug({ endpoint: endpoint.name }, 'fault: connection reset');
      req.socket.destroy();
      return;
    }
    const status = target ? faults.takeServerError(target) : undefined;
    if (status !== undefined) {
      logger.debug({ endpoint: endpoint.name, status }, 'fault: server error');
      req.resume();
      res.writeHead(status, { 'content-type': 'text/plain' }).end('injected fault');
      return;
    }
    await delay(faults.delay(), closing.signal);
    logger.debug({ endpoint: endpoint.name }, 'request');
    if (chunk) return serveChunk({ store, faults, closing: closing.signal }, res, req, chunk[1]!, Number(chunk[2]));
    switch (endpoint.name) {
      case 'login':
        return h.handleLogin(ctx, info);
      case 'tokenRequest':
        return h.handleTokenRequest(ctx, info);
      case 'session':
        return h.handleSessionDelete(ctx, info);
      case 'heartbeat':
      case 'telemetry':
        return h.handleAccepted(ctx, info);
      case 'queryRequest':
        return h.handleQueryRequest(ctx, info);
      case 'queryResult':
        return h.handleQueryResult(ctx, info, endpoint.queryId!);
      case 'monitoring':
        return h.handleMonitoring(ctx, info, endpoint.queryId!);
      case 'abortByQueryId':
        return h.handleAbort(ctx, info, endpoint.queryId!);
      case 'abortByRequestId':
        return h.handleAbort(ctx, info, undefined);
      default:
        req.resume();
        sendJson(res, 404, { success: false, code: null, message: `no such endpoint: ${req.method} ${url.pathname}`, data: null });
    }
  };

  const controlFaults = async ({ req, res }: h.RequestInfo): Promise<void> => {
    if (req.method === 'POST') {
      try {
        const body = (await readJsonBody<Record<string, unknown>>(req)) ?? {};
        const { expireSessions, ...switches } = body;
        faults.set(switches);
        if (expireSessions === true) faults.expireSessions();
      } catch (err) {
        sendJson(res, 400, { error: (err as Error).message, code: (err as { code?: string }).code });
        return;
      }
    } else {
      req.resume();
    }
    sendJson(res, 200, { faults: faults.current(), stats: faults.stats() });
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const e = err as Error & { code?: string };
      logger.warn({ err: { message: e.message, code: e.code } }, 'request failed');
      // Never a 5xx for our own failures: the driver would retry up to 1000 times (§1.5).
      if (!res.headersSent) {
        sendEnvelope(res, buildErrorEnvelope({ code: SF_CODES.internalError, message: `Emulator error: ${e.message}`, sqlState: SQL_STATES.internal }));
      } else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 30_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(new EmulatorError(EMULATOR_ERROR_CODES.listenFailed, `cannot listen on ${host}:${options.port ?? 0}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch((err: unknown) => {
    engine.close();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  logger.info({ host, port }, 'emulator listening');

  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    logins,
    faults,
    close() {
      closed ??= (async () => {
        closing.abort();
        for (const r of store.running()) r.controller.abort();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await serverClosed;
        await Promise.allSettled(store.running().map((r) => r.done));
        const open = sessions.all();
        for (const s of open) sessions.close(s);
        await Promise.allSettled(open.map((s) => s.tail));
        // Let session connections close (they close after their last statement) before the instance.
        await new Promise((r) => setImmediate(r));
        engine.close();
      })();
      return closed;
    },
  };
}
