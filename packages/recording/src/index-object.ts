/**
 * Per-session index parts: written with each digest, each lists the session summary and the
 * statements touched since the previous part, so `list` and `trace` never read segments. Readers
 * merge the parts of a session by statement `seq` (later parts win field by field).
 */
import { FORMAT_VERSION, type FormatVersion, type IndexStatement, type RecordingEvent, type SessionSummary } from './format.js';

/** Longest SQL text copied into the index; the full text is in the segment. */
export const INDEX_SQL_MAX = 8192;

/** One index part object. */
export interface IndexPart {
  version: number;
  type: 'snowtrail.index';
  sessionId: string;
  no: number;
  summary: SessionSummary;
  segments: { no: number; key: string; firstSeq: number; lastSeq: number; firstTime: string; lastTime: string }[];
  statements: IndexStatement[];
}

/** Builds an index part (pure). */
export function buildIndexPart(input: Omit<IndexPart, 'version' | 'type'> & { version?: FormatVersion }): IndexPart {
  const { version, ...rest } = input;
  return { version: version ?? FORMAT_VERSION, type: 'snowtrail.index', ...rest };
}

/** The deciding rule and reason of a denial as its event records them; values that are not strings are left out (pure). */
export function denialOf(data: Record<string, unknown>): Pick<IndexStatement, 'rule' | 'reason'> {
  return { ...(typeof data.rule === 'string' ? { rule: data.rule } : {}), ...(typeof data.reason === 'string' ? { reason: data.reason } : {}) };
}

/** Updates the summary and touched statements from one event (pure apart from the mutated maps). */
export function applyEventToIndex(
  summary: SessionSummary,
  touched: Map<number, IndexStatement>,
  querySeqs: Map<string, number>,
  event: RecordingEvent,
  segment: number,
): void {
  summary.eventCount++;
  summary.lastEventAt = event.time;
  const d = event.data;
  switch (event.type) {
    case 'session.start':
      summary.identity = d.identity as Record<string, unknown>;
      summary.policy = d.policy as { name: string; generation: number };
      summary.snowflake = d.snowflake as Record<string, unknown>;
      summary.client = d.client as Record<string, unknown>;
      break;
    case 'auth.failure':
      summary.kind = 'auth.failure';
      summary.client = d.client as Record<string, unknown>;
      break;
    case 'query':
    case 'query.denied': {
      summary.statementCount++;
      const stmts = (d.statements as { class: string; reads: string[]; writes: string[] }[] | undefined) ?? [];
      const sql = String(d.sqlText ?? '');
      const rec: IndexStatement = {
        seq: event.seq,
        time: event.time,
        sqlText: sql.length > INDEX_SQL_MAX ? sql.slice(0, INDEX_SQL_MAX) : sql,
        classes: stmts.map((s) => s.class),
        reads: [...new Set(stmts.flatMap((s) => s.reads))],
        writes: [...new Set(stmts.flatMap((s) => s.writes))],
        decision: event.type === 'query.denied' ? 'deny' : (d.decision as 'allow' | 'deny'),
        segment,
      };
      if (typeof d.requestId === 'string') {
        rec.requestId = d.requestId;
        querySeqs.set(d.requestId, event.seq);
      }
      if (sql.length > INDEX_SQL_MAX) rec.sqlTruncated = true;
      if (rec.decision === 'deny') Object.assign(rec, denialOf(d));
      if (event.type === 'query.denied') rec.status = 'denied';
      touched.set(event.seq, rec);
      break;
    }
    case 'query.end': {
      const seq = typeof d.querySeq === 'number' ? d.querySeq : querySeqs.get(String(d.requestId));
      if (seq === undefined) break;
      const rec = touched.get(seq) ?? { seq };
      rec.endTime = event.time;
      if (typeof d.queryId === 'string') rec.queryId = d.queryId;
      if (typeof d.status === 'string') rec.status = d.status;
      if (typeof d.errorCode === 'string') rec.errorCode = d.errorCode;
      if (typeof d.rows === 'number') rec.rows = d.rows;
      if (typeof d.bytes === 'number') rec.bytes = d.bytes;
      touched.set(seq, rec);
      break;
    }
    case 'session.end':
      summary.status = 'ended';
      summary.endReason = String(d.reason ?? '');
      break;
    case 'session.interrupted':
      summary.status = 'interrupted';
      summary.endReason = String(d.reason ?? '');
      break;
    default:
      break;
  }
}

/** Merges statements of all index parts of a session (pure). */
export function mergeIndexStatements(parts: readonly IndexPart[]): IndexStatement[] {
  const bySeq = new Map<number, IndexStatement>();
  for (const part of [...parts].sort((a, b) => a.no - b.no)) {
    for (const s of part.statements) bySeq.set(s.seq, { ...bySeq.get(s.seq), ...s });
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
