/**
 * Recording format v1: the event envelope and the payloads of each event type. One event is one
 * line of canonical JSON in a segment; see docs/recording-format.md.
 */

/** Format version 1: result payloads as base64 inside events (read forever, written on request). */
export const FORMAT_VERSION = 1;

/** Format version 2: result payloads as content-addressed blobs referenced from `result` events. */
export const FORMAT_VERSION_2 = 2;

/** The format versions this reader understands. */
export type FormatVersion = typeof FORMAT_VERSION | typeof FORMAT_VERSION_2;

/** A v2 result payload: the blob holding its stored bytes, by SHA-256 and length. */
export interface BlobRef {
  sha256: string;
  bytes: number;
}

/** prevHash of a session's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** Largest number of payload bytes carried by one `result.data` event (keeps lines small and streamable). */
export const RESULT_PIECE_BYTES = 192 * 1024;

/** Every event type of format v1. */
export type EventType =
  | 'session.start'
  | 'auth.failure'
  | 'query'
  | 'query.denied'
  | 'query.end'
  | 'result'
  | 'result.data'
  | 'result.end'
  | 'result.abort'
  | 'note'
  | 'gap'
  | 'session.end'
  | 'session.interrupted';

/** The envelope every event has, in this key order. */
export interface RecordingEvent<T = Record<string, unknown>> {
  version: number;
  sessionId: string;
  seq: number;
  time: string;
  type: EventType;
  prevHash: string;
  data: T;
}

/** Redaction applied to a result part. */
export interface RedactionInfo {
  columns: string[];
  /** `replace`: each non-null cell of the columns became `replacement`; `withheld`: payload not stored (Arrow). */
  method: 'replace' | 'withheld';
  replacement?: string;
  patterns: string[];
  /** SHA-256 and size of the payload the client received (before redaction). */
  originalSha256?: string;
  originalBytes?: number;
}

/** Payload of a `result` event (opens a result part; inline parts carry their bytes here). */
export interface ResultEventData {
  partId: string;
  querySeq?: number;
  requestId?: string;
  queryId?: string;
  part: string;
  format: 'json' | 'arrow';
  compression: 'none' | 'gzip';
  contentType?: string;
  rowCount?: number;
  columns?: string[];
  streamed: boolean;
  /** Inline parts only: the stored bytes, base64. */
  base64?: string;
  bytes?: number;
  sha256?: string;
  /** SHA-256 of the payload as the client received it (differs from sha256 only when redacted). */
  clientSha256?: string;
  /** How the stored bytes are encoded relative to `compression` (redacted gzip chunks are stored decompressed). */
  storedCompression?: 'none' | 'gzip';
  redaction?: RedactionInfo;
  /** v2: the blob holding the stored bytes (`bytes`/`sha256` repeat it). */
  blob?: BlobRef;
  /** v2: size of the payload as the client received it. */
  clientBytes?: number;
}

/** Payload of a `result.data` event: one piece of a streamed part. */
export interface ResultDataEventData {
  partId: string;
  offset: number;
  bytes: number;
  base64: string;
}

/** Payload of a `result.end` event. */
export interface ResultEndEventData {
  partId: string;
  bytes: number;
  sha256: string;
  clientBytes: number;
  clientSha256: string;
  redaction?: RedactionInfo;
}

/** One statement as the index object lists it. */
export interface IndexStatement {
  /** seq of the `query` / `query.denied` event: the statement's key. */
  seq: number;
  requestId?: string;
  queryId?: string;
  time?: string;
  endTime?: string;
  sqlText?: string;
  sqlTruncated?: boolean;
  classes?: string[];
  reads?: string[];
  writes?: string[];
  decision?: 'allow' | 'deny';
  /** Denied statements: the policy rule that decided, as the `query`/`query.denied` event names it (absent in index parts written before it was indexed). */
  rule?: string;
  /** Denied statements: the stable reason key of the denial (absent in index parts written before it was indexed). */
  reason?: string;
  status?: string;
  errorCode?: string;
  rows?: number;
  bytes?: number;
  /** Segment number holding the statement's `query` event. */
  segment?: number;
}

/** Who and what a session is, for listing without reading segments. */
export interface SessionSummary {
  sessionId: string;
  kind: 'session' | 'auth.failure';
  startedAt: string;
  lastEventAt: string;
  status: 'open' | 'ended' | 'interrupted';
  endReason?: string;
  identity?: Record<string, unknown>;
  policy?: { name: string; generation: number };
  snowflake?: Record<string, unknown>;
  client?: Record<string, unknown>;
  statementCount: number;
  eventCount: number;
}
