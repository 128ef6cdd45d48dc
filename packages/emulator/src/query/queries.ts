/**
 * The query registry: every statement's status, result or error, kept for fetch-by-id, result
 * polls, monitoring and abort (docs/protocol.md §5, §7, §8.1), and the chunk capabilities of results.
 */
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import type { QueryStatus, RowType } from '@snowtrail/protocol';
import type { SnowflakeError } from '../errors.js';
import type { StoredChunk } from '../results/result-builder.js';
import type { ResultFormat } from '../results/result-format.js';
import type { Session } from '../session/sessions.js';

/** The session names a statement finished with (reported as final*Name). */
export interface FinalNames {
  database: string | null;
  schema: string | null;
  warehouse: string | null;
  role: string | null;
}

/** A finished result, with its chunk capability. */
export interface StoredResult {
  rowtype: RowType[];
  /** The answer's `queryResultFormat`. */
  format: ResultFormat;
  /** Arrow answers: the inline rows as one base64 IPC stream (`rowsetBase64`). */
  inlineBase64?: string;
  inline: (string | null)[][];
  chunks: StoredChunk[];
  total: number;
  statementTypeId: number;
  finalNames: FinalNames;
  /** Unguessable path segment under which the chunks are served. */
  capability: string;
  /** SSE-C key the chunk GETs must present, as cloud storage demands (§6.1). */
  sseKey: string;
  /** Multi-statement parent: the children's ids and statement types. */
  resultIds?: string[];
  resultTypes?: number[];
}

/** One statement the emulator has seen. */
export interface QueryRecord {
  id: string;
  requestId?: string;
  session: Session;
  status: QueryStatus;
  startedAt: number;
  endedAt?: number;
  result?: StoredResult;
  error?: SnowflakeError;
  controller: AbortController;
  done: Promise<void>;
  numberOfBinds: number;
}

/** A UUID-shaped query id like Snowflake's (`01c2f5c5-0814-a22c-0001-dd6a7fc3c4c3`, §5.2). */
export function newQueryId(): string {
  return randomUUID();
}

/** Makes a fresh chunk capability and SSE-C key for a result. */
export function newChunkSecrets(): { capability: string; sseKey: string } {
  return { capability: randomBytes(24).toString('base64url'), sseKey: randomBytes(32).toString('base64') };
}

/** The chunkHeaders the driver sends verbatim on chunk GETs (S3 SSE-C). */
export function sseHeaders(sseKey: string): Record<string, string> {
  return {
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    'x-amz-server-side-encryption-customer-key': sseKey,
    'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(Buffer.from(sseKey, 'base64')).digest('base64'),
  };
}

/** Query records by id, by request id, and results by chunk capability. */
export class QueryStore {
  private readonly byId = new Map<string, QueryRecord>();
  private readonly byRequestId = new Map<string, QueryRecord>();
  private readonly byCapability = new Map<string, StoredResult>();

  constructor(
    private readonly retentionMs: number,
    private readonly now: () => number,
  ) {}

  /** Registers a running statement. */
  add(record: QueryRecord): void {
    this.prune();
    this.byId.set(record.id, record);
    if (record.requestId) this.byRequestId.set(record.requestId, record);
  }

  /** Stores a finished result (also for children of a multi-statement). */
  complete(record: QueryRecord, result: StoredResult): void {
    record.result = result;
    record.status = 'SUCCESS';
    record.endedAt = this.now();
    this.byCapability.set(result.capability, result);
  }

  /** Records a failure. */
  fail(record: QueryRecord, error: SnowflakeError, aborted: boolean): void {
    record.error = error;
    record.status = aborted ? 'ABORTED' : 'FAILED_WITH_ERROR';
    record.endedAt = this.now();
  }

  /** A record by query id. */
  get(id: string): QueryRecord | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /** A record by the driver's requestId (abort before the queryId is known, §8.1). */
  getByRequestId(requestId: string): QueryRecord | undefined {
    return this.byRequestId.get(requestId);
  }

  /** A result by its chunk capability. */
  getByCapability(capability: string): StoredResult | undefined {
    return this.byCapability.get(capability);
  }

  /** Ids of the session's statements started before `beforeId`, oldest first (LAST_QUERY_ID). */
  sessionQueryIds(sessionId: number, beforeId: string): string[] {
    const ids: string[] = [];
    for (const r of this.byId.values()) {
      if (r.id === beforeId) break;
      if (r.session.id === sessionId) ids.push(r.id);
    }
    return ids;
  }

  /** Records still running (for close). */
  running(): QueryRecord[] {
    return [...this.byId.values()].filter((r) => r.status === 'RUNNING');
  }

  private prune(): void {
    const cutoff = this.now() - this.retentionMs;
    for (const [id, r] of this.byId) {
      if (r.endedAt === undefined || r.endedAt >= cutoff) continue;
      this.byId.delete(id);
      if (r.requestId && this.byRequestId.get(r.requestId) === r) this.byRequestId.delete(r.requestId);
      if (r.result) this.byCapability.delete(r.result.capability);
    }
  }
}
