/**
 * Builds the JSON answers of statements (docs/protocol.md §4.3, §5, §7): finished results with every
 * field snowflake-sdk needs, in-progress answers, and statement errors. Pure.
 */
import {
  SF_CODES,
  buildErrorEnvelope,
  buildSuccessEnvelope,
  resultPath,
  type ParameterEntry,
  type QueryResponseData,
  type SnowflakeEnvelope,
} from '@snowtrail/protocol';
import type { SnowflakeError } from '../errors.js';
import { sseHeaders, type QueryRecord, type StoredResult } from './queries.js';

/** Where chunk URLs point: the emulator's own absolute base URL (the driver accepts http URLs, §6.1). */
export interface AnswerContext {
  baseUrl: string;
  parameters: ParameterEntry[];
  now: number;
}

/** The chunk URL of a result's i-th chunk. */
export function chunkUrl(baseUrl: string, result: StoredResult, index: number): string {
  return `${baseUrl}/__chunks/${result.capability}/${index}`;
}

/** A finished statement's answer. */
export function resultEnvelope(record: QueryRecord, result: StoredResult, ctx: AnswerContext): SnowflakeEnvelope<QueryResponseData> {
  const data: QueryResponseData = {
    parameters: ctx.parameters,
    rowtype: result.rowtype,
    ...(result.format === 'arrow' ? { rowsetBase64: result.inlineBase64 ?? '' } : { rowset: result.inline }),
    total: result.total,
    // `returned` is the grand total including chunks; without it the driver never calls back (§4.3).
    returned: result.total,
    queryId: record.id,
    databaseProvider: null,
    finalDatabaseName: result.finalNames.database,
    finalSchemaName: result.finalNames.schema,
    finalWarehouseName: result.finalNames.warehouse,
    finalRoleName: result.finalNames.role,
    numberOfBinds: record.numberOfBinds,
    arrayBindSupported: false,
    statementTypeId: result.statementTypeId,
    version: 1,
    sendResultTime: ctx.now,
    queryResultFormat: result.format,
  };
  if (result.chunks.length > 0) {
    data.chunks = result.chunks.map((c, i) => ({
      url: chunkUrl(ctx.baseUrl, result, i),
      rowCount: c.rowCount,
      uncompressedSize: c.uncompressedSize,
      compressedSize: c.compressedSize,
    }));
    data.qrmk = result.sseKey;
    data.chunkHeaders = sseHeaders(result.sseKey);
  }
  if (result.resultIds) {
    data.resultIds = result.resultIds.join(',');
    data.resultTypes = (result.resultTypes ?? []).join(',');
  }
  return buildSuccessEnvelope(data);
}

/** The 333333 / 333334 answer of a statement still running (§5.1, §5.2). */
export function inProgressEnvelope(record: QueryRecord, async: boolean, parameters: ParameterEntry[]): SnowflakeEnvelope<QueryResponseData> {
  const data: QueryResponseData = {
    queryId: record.id,
    getResultUrl: resultPath(record.id),
    progressDesc: null,
    queryAbortsAfterSecs: 300,
    parameters,
  };
  return buildSuccessEnvelope(
    data,
    async ? SF_CODES.queryInProgressAsync : SF_CODES.queryInProgress,
    async ? 'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.' : 'Query execution in progress',
  );
}

/** A failed statement's answer (§4.5). */
export function statementErrorEnvelope(error: SnowflakeError, queryId: string | undefined): SnowflakeEnvelope {
  return buildErrorEnvelope({
    code: error.sfCode,
    message: error.message,
    sqlState: error.sqlState,
    ...(queryId !== undefined ? { queryId } : {}),
    data: { line: -1, pos: -1, type: error.sfCode.startsWith('00') ? 'COMPILATION' : 'EXECUTION' },
  });
}

/** The monitoring answer of a query (§5.2). */
export function monitoringEnvelope(record: QueryRecord | undefined, now: number): SnowflakeEnvelope {
  if (!record) return buildSuccessEnvelope({ queries: [] });
  return buildSuccessEnvelope({
    queries: [
      {
        id: record.id,
        status: record.status,
        state: record.status,
        errorCode: record.error?.sfCode ?? null,
        errorMessage: record.error?.message ?? null,
        startTime: record.startedAt,
        endTime: record.endedAt ?? 0,
        totalDuration: (record.endedAt ?? now) - record.startedAt,
        sessionId: record.session.id,
        warehouseName: record.session.names.warehouse,
        databaseName: record.session.names.database,
        schemaName: record.session.names.schema,
        stats: {},
      },
    ],
  });
}
