/**
 * The contract between the sidecar (which produces events) and the recording writer (which makes
 * them durable and ships them). The sidecar depends only on these types; the recording package
 * implements them (createRecorder). Every method that returns a Promise resolves once the event is
 * durable in the local spool (required mode) or accepted (best-effort mode), and rejects with an
 * error whose `code` is SNOWTRAIL_ERR_RECORDING_UNAVAILABLE when the spool cannot take it — the
 * sidecar then refuses the statement with a Snowflake error instead of forwarding it unrecorded.
 */

/** Who is connecting, as proven by the projected service-account token. */
export interface CallerIdentity {
  subject: string;
  namespace?: string;
  podName?: string;
  podUid?: string;
  serviceAccount?: string;
  serviceAccountUid?: string;
  nodeName?: string;
  tokenId?: string;
}

/** Facts for `session.start`. */
export interface SessionStartInfo {
  identity: CallerIdentity;
  policy: { name: string; generation: number };
  snowflake: { account: string; user: string; role?: string; warehouse?: string; database?: string; schema?: string };
  client: { app?: string; version?: string; address?: string; userAgent?: string };
  /** How the sidecar logged in to Snowflake for this session (`upstream.auth.type`: keypair, workloadIdentity, …). */
  upstreamAuth?: string;
  /** Upstream Snowflake session id, when the login answer gave one. */
  upstreamSessionId?: string;
  /** The client's login `SESSION_PARAMETERS` the policy accepted (and that were forwarded). */
  sessionParameters?: Record<string, unknown>;
}

/** Facts for a `query` event, written before the statement is forwarded. */
export interface QueryStartInfo {
  requestId: string;
  sqlText: string;
  bindings?: unknown;
  parameters?: Record<string, unknown>;
  bindStage?: string;
  asyncExec?: boolean;
  /** One entry a statement (multi-statement text is split). */
  statements: { class: string; reads: string[]; writes: string[] }[];
  /** The tables Snowflake's plan scans (policy.verify: explain), when the statement was verified. */
  planObjects?: string[];
  decision: 'allow' | 'deny';
  rule?: string;
  reason?: string;
  /**
   * True when the policy found every statement effect-free (its one outcome is its answer). Under
   * `writeAhead: changes` in required mode such a statement may be forwarded once its `query` event
   * is written; its answer is then released only once that event is durable too.
   */
  effectFree?: boolean;
}

/** Facts for a `query.end` event, written when the outcome is known. */
export interface QueryEndInfo {
  requestId: string;
  queryId?: string;
  status: 'success' | 'failed' | 'canceled' | 'denied' | 'limit_exceeded' | 'async_submitted';
  errorCode?: string;
  sqlState?: string;
  rows?: number;
  bytes?: number;
  /** Child query ids of a multi-statement parent. */
  resultIds?: string[];
}

/** Metadata of a `result` payload: the inline answer (part 'inline') or one chunk. */
export interface ResultPartInfo {
  requestId?: string;
  queryId?: string;
  part: 'inline' | `chunk:${number}`;
  format: 'json' | 'arrow';
  /** How the bytes are stored: exactly as received from Snowflake. */
  compression: 'none' | 'gzip';
  contentType?: string;
  rowCount?: number;
  /** Column names, so redaction can mask by name (JSON results). */
  columns?: string[];
}

/** A result payload being teed into the recording while it streams to the client. */
export interface ResultWriter {
  /** Appends bytes; resolves when they are durable (required) — the caller awaits before releasing the last bytes. */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes the part; resolves with its SHA-256 (hex) once the closing event is durable. */
  end(): Promise<{ sha256: string; bytes: number }>;
  /** Records that the part was cut short (client left, upstream failed, limit hit). */
  abort(reason: string): Promise<void>;
}

/**
 * Kinds of `note` events. `access.refused`: the session tried to reach a query of another session;
 * `result.repeat`: a chunk served again, recorded by reference (sha256, length) to its first serving.
 */
export type NoteKind = 'token.renewed' | 'query.abort' | 'limit.exceeded' | 'upstream.error' | 'access.refused' | 'result.repeat';

/** One client login's recording. */
export interface SessionRecording {
  readonly sessionId: string;
  queryStarted(info: QueryStartInfo): Promise<void>;
  queryEnded(info: QueryEndInfo): Promise<void>;
  queryDenied(info: QueryStartInfo): Promise<void>;
  /**
   * Records a complete, already-buffered payload (the inline answer). With `end`, the statement's
   * `query.end` is appended right after the `result` event, so one group commit makes both durable
   * (not one after the other). When the promise rejects (required mode) no `query.end` of `end` is
   * recorded and the caller records the statement's failure; in best-effort mode `end` is recorded
   * whatever became of the payload.
   */
  result(info: ResultPartInfo, bytes: Uint8Array, end?: QueryEndInfo): Promise<void>;
  /** Starts a streamed payload (a chunk). */
  openResult(info: ResultPartInfo): ResultWriter;
  /** Other notable protocol events (renewal, abort, heartbeat failure) kept for the timeline. */
  note(kind: NoteKind, details: Record<string, unknown>): Promise<void>;
  end(reason: 'client_logout' | 'expired' | 'shutdown'): Promise<void>;
}

/** Facts for an `auth.failure` event (claims and client facts are untrusted: the sidecar bounds them). */
export interface AuthFailureInfo {
  reason: string;
  message: string;
  client: SessionStartInfo['client'];
  claims?: Record<string, unknown>;
  /** Set on a summary of refusals aggregated over a window: how many were not recorded one by one. */
  repeated?: number;
  windowStart?: string;
  windowEnd?: string;
}

/** The process-wide recorder. */
export interface Recorder {
  readonly mode: 'required' | 'best-effort';
  startSession(info: SessionStartInfo): Promise<SessionRecording>;
  /** A refused login: recorded in a session of its own so auditors see attempts. */
  authFailure(details: AuthFailureInfo): Promise<void>;
  /** Flushes and uploads everything; closes open sessions as interrupted if `interrupt`. */
  close(options?: { interrupt?: boolean }): Promise<void>;
}
