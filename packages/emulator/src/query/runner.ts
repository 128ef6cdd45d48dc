/**
 * Runs a query-request: splits multi-statement text, enforces MULTI_STATEMENT_COUNT (§7), executes
 * each statement in the session's DuckDB connection, and stores results and errors in the registry.
 */
import type { QueryRequest } from '@snowtrail/protocol';
import { SnowflakeError } from '../errors.js';
import type { Engine, StatementOutcome } from '../engine/engine.js';
import { statusOutcome } from '../engine/engine.js';
import { canceledError, mapDuckDbError } from '../sql/error-map.js';
import { splitStatements } from '../sql/lexer.js';
import type { ChunkingOptions } from '../results/result-builder.js';
import { runInSession, type Session } from '../session/sessions.js';
import { newChunkSecrets, newQueryId, type QueryRecord, type QueryStore, type StoredResult } from './queries.js';
import { encodeArrowStream } from '../results/arrow-encode.js';
import { chooseResultFormat, type ResultFormat } from '../results/result-format.js';
import { resolveLastQueryId, resultNotFound, resultScanTarget } from './result-scan.js';

/** What the runner needs. */
export interface RunnerDeps {
  engine: Engine;
  store: QueryStore;
  chunking?: ChunkingOptions;
  now: () => number;
}

/** Creates and registers a record for a query-request. */
export function createRecord(deps: RunnerDeps, session: Session, requestId: string | undefined, numberOfBinds: number): QueryRecord {
  const record: QueryRecord = {
    id: newQueryId(),
    ...(requestId ? { requestId } : {}),
    session,
    status: 'RUNNING',
    startedAt: deps.now(),
    controller: new AbortController(),
    done: Promise.resolve(),
    numberOfBinds,
  };
  deps.store.add(record);
  return record;
}

/** Starts executing the request in the session's queue; `record.done` settles when it ends. */
export function startQuery(deps: RunnerDeps, record: QueryRecord, body: QueryRequest): void {
  const timeoutSeconds = statementTimeout(body, record.session);
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const run = (): Promise<void> => {
    // STATEMENT_TIMEOUT_IN_SECONDS counts from the start of execution, as in Snowflake.
    if (timeoutSeconds > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        record.controller.abort();
      }, timeoutSeconds * 1000);
    }
    return executeRequest(deps, record, body).finally(() => clearTimeout(timer));
  };
  record.done = runInSession(record.session, run).then(
    () => undefined,
    (err: unknown) => {
      const aborted = record.controller.signal.aborted;
      const error = timedOut ? timeoutError(timeoutSeconds) : aborted ? canceledError() : mapDuckDbError(err);
      deps.store.fail(record, error, aborted && !timedOut);
    },
  );
}

function statementTimeout(body: QueryRequest, session: Session): number {
  const raw = body.parameters?.STATEMENT_TIMEOUT_IN_SECONDS ?? session.parameters.STATEMENT_TIMEOUT_IN_SECONDS ?? 0;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Snowflake's statement timeout error (000630, §4.5). */
export function timeoutError(seconds: number): SnowflakeError {
  return new SnowflakeError('000630', '57014', `Statement reached its statement or warehouse timeout of ${seconds} second(s) and was canceled.`);
}

function toResult(outcome: StatementOutcome, session: Session, requested: ResultFormat): StoredResult {
  const { capability, sseKey } = newChunkSecrets();
  const format = outcome.format ?? outcome.rows.chunkFormat ?? requested;
  return {
    rowtype: outcome.rowtype,
    format,
    // Arrow answers carry the first rows as one base64 IPC stream; no rows → an empty string, as Snowflake sends.
    ...(format === 'arrow' ? { inlineBase64: outcome.rows.inline.length > 0 ? encodeArrowStream(outcome.rowtype, outcome.rows.inline).toString('base64') : '' } : {}),
    inline: outcome.rows.inline,
    chunks: outcome.rows.chunks,
    total: outcome.rows.total,
    statementTypeId: outcome.statementTypeId,
    finalNames: {
      database: session.names.database,
      schema: session.names.schema,
      warehouse: session.names.warehouse,
      role: session.names.role,
    },
    capability,
    sseKey,
  };
}

/** A stored result answered again (RESULT_SCAN): same rows, fresh chunk capability, the requester's format. */
function rescan(prior: StoredResult | undefined, id: string, requested: ResultFormat): StoredResult {
  if (!prior || prior.resultIds) throw resultNotFound(id);
  // Chunks are stored in one format; inline rows can be answered in either.
  const format = prior.chunks.length > 0 ? prior.format : requested;
  const { capability, sseKey } = newChunkSecrets();
  const { inlineBase64: _old, ...rest } = prior;
  return {
    ...rest,
    format,
    ...(format === 'arrow' ? { inlineBase64: prior.inline.length > 0 ? encodeArrowStream(prior.rowtype, prior.inline).toString('base64') : '' } : {}),
    capability,
    sseKey,
  };
}

function desiredStatementCount(body: QueryRequest, session: Session): number {
  const raw = body.parameters?.MULTI_STATEMENT_COUNT ?? session.parameters.MULTI_STATEMENT_COUNT ?? 1;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : 1;
}

async function executeRequest(deps: RunnerDeps, record: QueryRecord, body: QueryRequest): Promise<void> {
  const { session } = record;
  const signal = record.controller.signal;
  if (signal.aborted) throw canceledError();
  const statements = splitStatements(body.sqlText ?? '');
  if (statements.length === 0) throw new SnowflakeError('000900', '42000', 'SQL compilation error:\nEmpty SQL statement.');
  const desired = desiredStatementCount(body, session);
  const resultFormat = chooseResultFormat({ clientAppId: session.clientAppId, sessionParameters: session.parameters, statementParameters: body.parameters });
  if (desired !== 0 && desired !== statements.length) {
    throw new SnowflakeError(
      '000008',
      '0A000',
      `Actual statement count ${statements.length} did not match the desired statement count ${desired}.`,
    );
  }
  if (statements.length === 1 && desired <= 1) {
    const sql = resolveLastQueryId(statements[0]!, deps.store.sessionQueryIds(session.id, record.id));
    const scanned = resultScanTarget(sql);
    if (scanned) {
      deps.store.complete(record, rescan(deps.store.get(scanned)?.result, scanned, resultFormat));
      return;
    }
    const outcome = await deps.engine.execute({
      state: session,
      sql,
      ...(body.bindings ? { bindings: body.bindings } : {}),
      ...(body.describeOnly ? { describeOnly: true } : {}),
      ...(deps.chunking ? { chunking: deps.chunking } : {}),
      resultFormat,
      signal,
    });
    deps.store.complete(record, toResult(outcome, session, resultFormat));
    return;
  }
  // Multi-statement (§7): each child is its own query, fetched by id; the parent lists their ids.
  const childIds: string[] = [];
  const childTypes: number[] = [];
  for (const sql of statements) {
    if (signal.aborted) throw canceledError();
    const child = createRecord(deps, session, undefined, 0);
    childIds.push(child.id);
    try {
      const outcome = await deps.engine.execute({ state: session, sql, ...(deps.chunking ? { chunking: deps.chunking } : {}), resultFormat, signal });
      deps.store.complete(child, toResult(outcome, session, resultFormat));
      childTypes.push(outcome.statementTypeId);
    } catch (err) {
      const sfErr = signal.aborted ? canceledError() : mapDuckDbError(err);
      deps.store.fail(child, sfErr, signal.aborted);
      throw sfErr;
    }
  }
  const parent = toResult(statusOutcome('Multiple statements executed successfully.', 0xa000), session, 'json');
  parent.rowtype[0]!.name = 'multiple statement execution';
  parent.resultIds = childIds;
  parent.resultTypes = childTypes;
  deps.store.complete(record, parent);
}
