/**
 * Pure reading and rewriting of query answers (query-request and `/queries/<id>/result`, §4–§7):
 * what kind of answer it is, how many rows it carries, and the chunk URLs replaced by capabilities.
 */
import type { ChunkInfo, QueryResponseData, SnowflakeEnvelope } from '@snowtrail/protocol';
import { SF_CODES } from '@snowtrail/protocol';

/** The kinds of answers a statement gets. */
export type AnswerKind = 'in_progress' | 'async_submitted' | 'success' | 'failure';

/** What the sidecar needs to know about an answer. */
export interface AnswerSummary {
  kind: AnswerKind;
  queryId?: string | undefined;
  format: 'json' | 'arrow';
  /** Total rows of the result (inline plus chunks), from `returned` (or `total`). */
  totalRows: number;
  /** Rows carried inline: `rowset.length` for JSON; total minus chunk rows otherwise. */
  inlineRows: number;
  chunkCount: number;
  resultIds?: string[] | undefined;
  errorCode?: string | undefined;
  sqlState?: string | undefined;
  finalDatabaseName?: string | null | undefined;
  finalSchemaName?: string | null | undefined;
  columns?: string[] | undefined;
}

/** Classifies an answer envelope and counts its rows. */
export function summarizeQueryAnswer(env: SnowflakeEnvelope<QueryResponseData | null>): AnswerSummary {
  const d = env.data ?? {};
  const queryId = typeof d.queryId === 'string' ? d.queryId : undefined;
  const format: 'json' | 'arrow' = d.queryResultFormat === 'arrow' ? 'arrow' : 'json';
  const chunks = Array.isArray(d.chunks) ? d.chunks : [];
  const chunkRows = chunks.reduce((n, c) => n + (Number(c.rowCount) || 0), 0);
  const totalRows = typeof d.returned === 'number' ? d.returned : typeof d.total === 'number' ? d.total : (Array.isArray(d.rowset) ? d.rowset.length : 0) + chunkRows;
  const inlineRows = Array.isArray(d.rowset) ? d.rowset.length : Math.max(0, totalRows - chunkRows);
  let kind: AnswerKind;
  if (!env.success) kind = 'failure';
  else if (env.code === SF_CODES.queryInProgress) kind = 'in_progress';
  else if (env.code === SF_CODES.queryInProgressAsync) kind = 'async_submitted';
  else kind = 'success';
  const errorData = d as { errorCode?: unknown; sqlState?: unknown };
  return {
    kind,
    queryId,
    format,
    totalRows: kind === 'success' ? totalRows : 0,
    inlineRows: kind === 'success' ? inlineRows : 0,
    chunkCount: chunks.length,
    resultIds: typeof d.resultIds === 'string' && d.resultIds !== '' ? d.resultIds.split(',') : undefined,
    errorCode: kind === 'failure' ? (env.code ?? (typeof errorData.errorCode === 'string' ? errorData.errorCode : undefined)) ?? undefined : undefined,
    sqlState: kind === 'failure' && typeof errorData.sqlState === 'string' ? errorData.sqlState : undefined,
    finalDatabaseName: d.finalDatabaseName,
    finalSchemaName: d.finalSchemaName,
    columns: Array.isArray(d.rowtype) ? d.rowtype.map((c) => c.name) : undefined,
  };
}

/** One chunk the sidecar will fetch on the client's behalf. */
export interface ChunkPlan {
  index: number;
  url: string;
  headers: Record<string, string>;
  rowCount: number;
}

/**
 * The headers a driver sends with a chunk GET (§6.1): `chunkHeaders` verbatim when it is an object,
 * otherwise SSE-C headers built from `qrmk`, otherwise none.
 */
export function chunkFetchHeaders(d: QueryResponseData): Record<string, string> {
  if (d.chunkHeaders && typeof d.chunkHeaders === 'object') {
    return Object.fromEntries(Object.entries(d.chunkHeaders).map(([k, v]) => [k, String(v)]));
  }
  if (typeof d.qrmk === 'string') {
    return { 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': d.qrmk };
  }
  return {};
}

/**
 * Replaces every chunk URL with the sidecar URL `makeUrl` gives and removes `qrmk`/`chunkHeaders`
 * from what the client sees: the sidecar fetches with the originals, so the storage keys stay in the
 * sidecar like the session tokens. Every other field is kept.
 */
export function rewriteChunkUrls<T extends SnowflakeEnvelope<QueryResponseData | null>>(
  env: T,
  makeUrl: (plan: ChunkPlan) => string,
): { envelope: T; plans: ChunkPlan[] } {
  const d = env.data;
  if (!d || !Array.isArray(d.chunks) || d.chunks.length === 0) return { envelope: env, plans: [] };
  const headers = chunkFetchHeaders(d);
  const plans: ChunkPlan[] = [];
  const chunks: ChunkInfo[] = d.chunks.map((c, index) => {
    const plan: ChunkPlan = { index, url: c.url, headers, rowCount: Number(c.rowCount) || 0 };
    plans.push(plan);
    return { ...c, url: makeUrl(plan) };
  });
  const data: QueryResponseData = { ...d, chunks };
  delete data.qrmk;
  delete data.chunkHeaders;
  return { envelope: { ...env, data }, plans };
}

/** A session's context after an answer: Snowflake reports the current database and schema. */
export function nextSessionContext(
  current: { database?: string | undefined; schema?: string | undefined },
  s: Pick<AnswerSummary, 'finalDatabaseName' | 'finalSchemaName'>,
): { database?: string | undefined; schema?: string | undefined } {
  const next = { ...current };
  if (typeof s.finalDatabaseName === 'string' && s.finalDatabaseName !== '') next.database = s.finalDatabaseName;
  if (typeof s.finalSchemaName === 'string' && s.finalSchemaName !== '') next.schema = s.finalSchemaName;
  return next;
}
