/**
 * Reading recordings back: sessions by day, their index parts (summary and statements, without
 * touching segments), and their events (segments gunzipped one at a time).
 */
import { RECORDING_ERRORS, RecordingError } from './errors.js';
import type { BlobRef, IndexStatement, RecordingEvent, SessionSummary } from './format.js';
import { applyEventToIndex, mergeIndexStatements, type IndexPart } from './index-object.js';
import { blobKey, dayPrefix, isSessionId, objectNumber, sessionPrefix, sessionsRoot } from './layout.js';
import { assertSessionFound, readSessionRecords, type SessionRecord } from './session-records.js';
import { readObjectStream, type ObjectStore } from './store.js';

/** Filters of `sessions list`. */
export interface SessionFilter {
  since?: Date;
  until?: Date;
  namespace?: string;
  pod?: string;
  serviceAccount?: string;
  /** SQL substring (case-insensitive) of any statement. */
  contains?: string;
}

/** A session as listed. */
export interface SessionListing {
  summary: SessionSummary;
  statements: IndexStatement[];
}

function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Session ids whose creation day is within [since, until] (by day folder, then by id time). */
export async function listSessionIds(store: ObjectStore, range: { since?: Date; until?: Date } = {}): Promise<string[]> {
  const days = await store.listFolders(sessionsRoot(store.prefix));
  const out: string[] = [];
  for (const day of days) {
    if (range.since && day < dayOf(range.since)) continue;
    if (range.until && day > dayOf(range.until)) continue;
    for (const id of await store.listFolders(dayPrefix(store.prefix, day))) if (isSessionId(id)) out.push(id);
  }
  return out.sort();
}

/** Every index part of a session (sorted); [] when none. */
export async function loadIndexParts(store: ObjectStore, sessionId: string): Promise<IndexPart[]> {
  const keys = (await store.list(`${sessionPrefix(store.prefix, sessionId)}index/`)).map((o) => o.key);
  const parts: IndexPart[] = [];
  for (const key of keys) {
    const b = await store.get(key);
    if (!b) continue;
    try {
      parts.push(JSON.parse(b.toString('utf8')) as IndexPart);
    } catch {
      // A damaged index part is reported by verify; listing skips it.
    }
  }
  return parts.sort((a, b) => a.no - b.no);
}

/** Summary and statements of one session from its index; throws SESSION_NOT_FOUND when absent. */
export async function loadSessionListing(store: ObjectStore, sessionId: string): Promise<SessionListing> {
  if (!isSessionId(sessionId)) throw new RecordingError(RECORDING_ERRORS.sessionNotFound, `not a session id: ${sessionId}`);
  const parts = await loadIndexParts(store, sessionId);
  const last = parts[parts.length - 1];
  if (!last) throw new RecordingError(RECORDING_ERRORS.sessionNotFound, `session ${sessionId} not found in ${store.description}`);
  return { summary: last.summary, statements: mergeIndexStatements(parts) };
}

/**
 * The session's listing for showing and exporting it: from its index parts, or — when none can be
 * read but segments exist — rebuilt from the readable events, marked `rebuilt` so a reader can say
 * the index is missing. Throws SESSION_NOT_FOUND when there is neither.
 */
export async function loadSessionListingForDisplay(store: ObjectStore, sessionId: string): Promise<SessionListing & { rebuilt?: boolean }> {
  try {
    return await loadSessionListing(store, sessionId);
  } catch (err) {
    if ((err as { code?: string }).code !== RECORDING_ERRORS.sessionNotFound || !isSessionId(sessionId)) throw err;
    const segments = await listSegmentKeys(store, sessionId);
    if (segments.length === 0) throw err;
    const summary: SessionSummary = { sessionId, kind: 'session', startedAt: '', lastEventAt: '', status: 'open', statementCount: 0, eventCount: 0 };
    const touched = new Map<number, IndexStatement>();
    const querySeqs = new Map<string, number>();
    for await (const r of readSessionRecords(store, sessionId, segments)) {
      if (r.kind !== 'event') continue;
      if (summary.startedAt === '') summary.startedAt = r.event.time;
      applyEventToIndex(summary, touched, querySeqs, r.event, 0);
    }
    return { summary, statements: [...touched.values()].sort((a, b) => a.seq - b.seq).map(({ segment: _s, ...st }) => st), rebuilt: true };
  }
}

/** Whether a session matches the filters (pure). */
export function matchesFilter(l: SessionListing, f: SessionFilter): boolean {
  const s = l.summary;
  const id = s.identity ?? {};
  if (f.namespace && id.namespace !== f.namespace) return false;
  if (f.pod && id.podName !== f.pod) return false;
  if (f.serviceAccount && id.serviceAccount !== f.serviceAccount) return false;
  if (f.since && Date.parse(s.lastEventAt) < f.since.getTime()) return false;
  if (f.until && Date.parse(s.startedAt) > f.until.getTime()) return false;
  if (f.contains) {
    const needle = f.contains.toLowerCase();
    if (!l.statements.some((st) => (st.sqlText ?? '').toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** Each session's listing from its index parts (sessions without one are skipped), reporting progress. */
async function* indexedSessions(
  store: ObjectStore,
  ids: string[],
  onProgress?: (done: number, total: number) => void,
): AsyncGenerator<{ id: string; listing: SessionListing }> {
  let done = 0;
  for (const id of ids) {
    const parts = await loadIndexParts(store, id);
    onProgress?.(++done, ids.length);
    const last = parts[parts.length - 1];
    if (last) yield { id, listing: { summary: last.summary, statements: mergeIndexStatements(parts) } };
  }
}

/** Lists sessions matching the filters, oldest first. */
export async function listSessions(store: ObjectStore, filter: SessionFilter = {}, onProgress?: (done: number, total: number) => void): Promise<SessionListing[]> {
  const out: SessionListing[] = [];
  for await (const { listing } of indexedSessions(store, await listSessionIds(store, filter), onProgress)) {
    if (matchesFilter(listing, filter)) out.push(listing);
  }
  return out;
}

/** One statement found by trace, with its session's identity. */
export interface TraceHit {
  sessionId: string;
  identity?: Record<string, unknown>;
  statement: IndexStatement;
  relation: 'writes' | 'reads';
}

/** Upper-cases an unquoted object name the way the classifier does (pure). */
export function normalizeObjectName(name: string): string {
  return name
    .split('.')
    .map((p) => (p.startsWith('"') ? p : p.toUpperCase()))
    .join('.');
}

/** Every recorded statement that wrote (or read) an object, newest first, from the index only. */
export async function traceObject(
  store: ObjectStore,
  object: string,
  options: { since?: Date; until?: Date; relation?: 'writes' | 'reads' | 'both' } = {},
  onProgress?: (done: number, total: number) => void,
): Promise<TraceHit[]> {
  const target = normalizeObjectName(object);
  const relation = options.relation ?? 'writes';
  const hits: TraceHit[] = [];
  for await (const { id, listing } of indexedSessions(store, await listSessionIds(store, options), onProgress)) {
    for (const st of listing.statements) {
      const t = st.time ? Date.parse(st.time) : 0;
      if (options.since && t < options.since.getTime()) continue;
      if (options.until && t > options.until.getTime()) continue;
      if (st.decision === 'deny') continue;
      const wrote = (st.writes ?? []).some((w) => normalizeObjectName(w) === target);
      const read = (st.reads ?? []).some((r) => normalizeObjectName(r) === target);
      if ((relation !== 'reads' && wrote) || (relation !== 'writes' && read)) {
        hits.push({ sessionId: id, ...(listing.summary.identity ? { identity: listing.summary.identity } : {}), statement: st, relation: wrote && relation !== 'reads' ? 'writes' : 'reads' });
      }
    }
  }
  return hits.sort((a, b) => (b.statement.time ?? '').localeCompare(a.statement.time ?? '') || b.statement.seq - a.statement.seq);
}

/** Segment keys of a session, by number. */
export async function listSegmentKeys(store: ObjectStore, sessionId: string): Promise<{ key: string; no: number; size: number }[]> {
  return (await store.list(`${sessionPrefix(store.prefix, sessionId)}segments/`))
    .map((o) => ({ ...o, no: objectNumber(o.key) ?? -1 }))
    .filter((o) => o.no >= 0)
    .sort((a, b) => a.no - b.no);
}

/**
 * Reads a session for display, one segment at a time: its events in order, with `damage` records
 * where segments are missing or unreadable (see session-records.ts). Throws SESSION_NOT_FOUND when
 * the session has neither segments nor an index.
 */
export async function* readSession(store: ObjectStore, sessionId: string): AsyncGenerator<SessionRecord> {
  const segments = await listSegmentKeys(store, sessionId);
  const parts = await loadIndexParts(store, sessionId);
  assertSessionFound(store, sessionId, segments.length, parts.length);
  const events = parts[parts.length - 1]?.summary.eventCount;
  yield* readSessionRecords(store, sessionId, segments, { ...(events !== undefined ? { events } : {}), segments: parts.flatMap((p) => (Array.isArray(p.segments) ? p.segments.map((x) => x.no) : [])) });
}

/** A session's readable events in order, one segment at a time; damaged ranges are skipped (see readSession). */
export async function* readSessionEvents(store: ObjectStore, sessionId: string): AsyncGenerator<RecordingEvent> {
  for await (const r of readSession(store, sessionId)) if (r.kind === 'event') yield r.event;
}

/**
 * A v2 result payload's stored bytes, streamed from its blob; undefined when the blob is absent.
 * Readers that need the bytes trusted run `verify` (which hashes every blob) first.
 */
export async function readBlob(store: ObjectStore, sessionId: string, ref: BlobRef): Promise<AsyncIterable<Uint8Array> | undefined> {
  return readObjectStream(store, blobKey(store.prefix, sessionId, ref.sha256));
}

/** The blob reference of a `result` event, if it is a v2 one. */
export function blobRefOf(event: RecordingEvent): BlobRef | undefined {
  if (event.type !== 'result') return undefined;
  const b = (event.data as { blob?: BlobRef }).blob;
  return b && typeof b.sha256 === 'string' && typeof b.bytes === 'number' ? b : undefined;
}
