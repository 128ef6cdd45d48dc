/**
 * Catalog rows of one session, from its index parts (pure). The sessions row keeps the index
 * summary verbatim in `summary_json` and each statements row keeps its merged index statement in
 * `statement_json`, so readers rebuild exactly what the index walk returns; the flat columns are
 * for SQL (and for Athena, Trino or Spark).
 */
import { createHash } from 'node:crypto';
import { mergeIndexStatements, normalizeObjectName, sessionDay, type IndexPart, type IndexStatement, type SessionSummary } from '@snowtrail/recording';
import { namespacePartition } from './catalog-layout.js';

/** One sessions row (times as ISO strings; the loader casts them). */
export interface SessionRow {
  session_id: string;
  day: string;
  namespace: string;
  kind: string;
  status: string;
  end_reason: string | null;
  started_at: string | null;
  last_event_at: string | null;
  subject: string | null;
  pod: string | null;
  pod_uid: string | null;
  service_account: string | null;
  node: string | null;
  account: string | null;
  snowflake_user: string | null;
  role: string | null;
  warehouse: string | null;
  policy_name: string | null;
  policy_generation: number | null;
  client_app: string | null;
  client_version: string | null;
  client_address: string | null;
  statement_count: number;
  event_count: number;
  index_parts: number;
  summary_json: string;
}

/** One statements row. */
export interface StatementRow {
  session_id: string;
  day: string;
  namespace: string;
  seq: number;
  pod: string | null;
  service_account: string | null;
  request_id: string | null;
  query_id: string | null;
  time: string | null;
  end_time: string | null;
  sql_text: string | null;
  sql_truncated: boolean;
  classes: string[];
  reads: string[];
  writes: string[];
  reads_norm: string[];
  writes_norm: string[];
  decision: string | null;
  status: string | null;
  error_code: string | null;
  rows: number | null;
  bytes: number | null;
  segment: number | null;
  statement_json: string;
  /** Denied statements: the deciding rule and reason (null for allowed ones and for index parts written before they were indexed). */
  rule: string | null;
  reason: string | null;
}

/** What the catalog knows about one session's index, to tell later whether it changed. */
export interface IndexFingerprint {
  parts: number;
  /** SHA-256 over the SHA-256 of every index part, in key order. */
  sha256: string;
  /** Ended or interrupted with parts numbered 1..n: the index will not change any more. */
  final: boolean;
}

/** A session as read from its index: its parts and their fingerprint. */
export interface IndexedSession {
  sessionId: string;
  parts: IndexPart[];
  fingerprint: IndexFingerprint;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Fingerprint of a session's index from the hashes of its parts (pure). */
export function fingerprintOf(partHashes: readonly string[], parts: readonly IndexPart[]): IndexFingerprint {
  const h = createHash('sha256');
  for (const p of partHashes) h.update(p);
  const nos = parts.map((p) => p.no).sort((a, b) => a - b);
  const contiguous = nos.length > 0 && nos.every((n, i) => n === i + 1) && nos.length === partHashes.length;
  const status = parts.at(-1)?.summary.status;
  return { parts: partHashes.length, sha256: h.digest('hex'), final: contiguous && (status === 'ended' || status === 'interrupted') };
}

/** The sessions row of a summary; the id and day come from the session's folder, not its content (pure). */
export function sessionRow(sessionId: string, summary: SessionSummary, indexParts: number): SessionRow {
  const id = summary.identity ?? {};
  const sf = summary.snowflake ?? {};
  const client = summary.client ?? {};
  return {
    session_id: sessionId,
    day: sessionDay(sessionId),
    namespace: namespacePartition(str(id.namespace) ?? undefined),
    kind: String(summary.kind),
    status: String(summary.status),
    end_reason: str(summary.endReason),
    started_at: str(summary.startedAt),
    last_event_at: str(summary.lastEventAt),
    subject: str(id.subject),
    pod: str(id.podName),
    pod_uid: str(id.podUid),
    service_account: str(id.serviceAccount),
    node: str(id.nodeName),
    account: str(sf.account),
    snowflake_user: str(sf.user),
    role: str(sf.role),
    warehouse: str(sf.warehouse),
    policy_name: str(summary.policy?.name),
    policy_generation: num(summary.policy?.generation),
    client_app: str(client.app),
    client_version: str(client.version),
    client_address: str(client.address),
    statement_count: num(summary.statementCount) ?? 0,
    event_count: num(summary.eventCount) ?? 0,
    index_parts: indexParts,
    summary_json: JSON.stringify(summary),
  };
}

/** The statements row of one merged index statement (pure). */
export function statementRow(session: SessionRow, st: IndexStatement): StatementRow {
  const reads = strings(st.reads);
  const writes = strings(st.writes);
  return {
    session_id: session.session_id,
    day: session.day,
    namespace: session.namespace,
    seq: st.seq,
    pod: session.pod,
    service_account: session.service_account,
    request_id: str(st.requestId),
    query_id: str(st.queryId),
    time: str(st.time),
    end_time: str(st.endTime),
    sql_text: str(st.sqlText),
    sql_truncated: st.sqlTruncated === true,
    classes: strings(st.classes),
    reads,
    writes,
    reads_norm: reads.map(normalizeObjectName),
    writes_norm: writes.map(normalizeObjectName),
    decision: str(st.decision),
    status: str(st.status),
    error_code: str(st.errorCode),
    rows: num(st.rows),
    bytes: num(st.bytes),
    segment: num(st.segment),
    statement_json: JSON.stringify(st),
    rule: st.decision === 'deny' ? str(st.rule) : null,
    reason: st.decision === 'deny' ? str(st.reason) : null,
  };
}

/** Both tables' rows of one indexed session, or none when it has no index part yet (pure). */
export function rowsOfSession(s: IndexedSession): { session: SessionRow; statements: StatementRow[] } | undefined {
  const last = s.parts.at(-1);
  if (!last) return undefined;
  const session = sessionRow(s.sessionId, last.summary, s.parts.length);
  return { session, statements: mergeIndexStatements(s.parts).map((st) => statementRow(session, st)) };
}
