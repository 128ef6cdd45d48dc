/**
 * Reads sessions from their index parts, many at once: the same parts and the same tolerance of a
 * damaged part as the index walk of `sessions list`, plus a fingerprint of the raw bytes so the
 * catalog can tell next time whether a session changed.
 */
import { listSessionIds, sessionPrefix, sha256Hex, type IndexPart, type ObjectStore } from '@snowtrail/recording';
import { mapLimit } from './concurrency.js';
import { fingerprintOf, type IndexedSession } from './rows.js';

/** Requests in flight while reading index parts (a directory store and S3 both gain up to here). */
export const INDEX_READ_CONCURRENCY = 16;

/** One session's index parts and fingerprint; parts that do not parse are skipped, as the walk does. */
export async function readIndexedSession(store: ObjectStore, sessionId: string): Promise<IndexedSession> {
  const keys = (await store.list(`${sessionPrefix(store.prefix, sessionId)}index/`)).map((o) => o.key);
  const hashes: string[] = [];
  const parts: IndexPart[] = [];
  for (const key of keys) {
    const b = await store.get(key);
    if (!b) continue;
    hashes.push(sha256Hex(b));
    try {
      parts.push(JSON.parse(b.toString('utf8')) as IndexPart);
    } catch {
      // A damaged index part is reported by verify; the catalog, like listing, skips it.
    }
  }
  parts.sort((a, b) => a.no - b.no);
  return { sessionId, parts, fingerprint: fingerprintOf(hashes, parts) };
}

/** Reads many sessions with bounded concurrency, in the order given. */
export function readIndexedSessions(store: ObjectStore, ids: readonly string[], concurrency = INDEX_READ_CONCURRENCY): Promise<IndexedSession[]> {
  return mapLimit(ids, concurrency, (id) => readIndexedSession(store, id));
}

/** Every session id in the store whose creation day is within the range (the walk's own listing). */
export function listStoreSessionIds(store: ObjectStore, range: { since?: Date; until?: Date } = {}): Promise<string[]> {
  return listSessionIds(store, range);
}
