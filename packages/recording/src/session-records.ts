/**
 * Reading a session's events for display: one segment at a time (never the whole session in memory),
 * and degrading instead of giving up. A segment that is missing, not gzip, cut short or holds an
 * invalid event becomes a `damage` record naming the segment, the reason and the range of event
 * sequence numbers that cannot be shown; every readable event around it is still yielded. Whether
 * the session is intact is `verify`'s question, not this reader's.
 */
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';
import { splitLines } from './chain.js';
import { RECORDING_ERRORS, RecordingError } from './errors.js';
import { parseEvent } from './event-schema.js';
import type { BlobRef, RecordingEvent } from './format.js';
import { blobKey, pad } from './layout.js';
import { readObjectStream, type ObjectStore } from './store.js';

/** A damaged range of a session: events after `afterSeq` (and before `beforeSeq`, when known) are not shown. */
export interface DamagedRange {
  /** Segment numbers involved (empty when only the event numbering shows the hole). */
  segments: number[];
  /** Last readable event before the damage (-1: from the session's start). */
  afterSeq: number;
  /** First readable event after the damage; undefined when nothing readable follows. */
  beforeSeq?: number;
  /** Why, one line a cause, each naming its segment. */
  reasons: string[];
}

/** One item of a session read for display. */
export type SessionRecord =
  | {
      kind: 'event';
      event: RecordingEvent;
      /** The event's line as stored (no newline). */
      line?: Buffer;
      /** v2 `result` events: streams the payload's blob from the store (undefined when it is absent). */
      openBlob?: () => Promise<AsyncIterable<Uint8Array> | undefined>;
    }
  | { kind: 'damage'; damage: DamagedRange };

/** How a damaged range reads in a timeline (pure). */
export function describeDamage(d: DamagedRange): string {
  const first = d.afterSeq + 1;
  const range = d.beforeSeq === undefined ? `events from seq ${first} on` : d.beforeSeq - 1 === first ? `event seq ${first}` : d.beforeSeq - 1 < first ? 'no event number skipped' : `events seq ${first}–${d.beforeSeq - 1}`;
  return `DAMAGED: ${range} cannot be shown — ${d.reasons.join('; ')}`;
}

/** Gunzips what can be gunzipped: all of a valid stream, or the bytes before the damage and why it stopped. */
export async function inflateSalvaging(body: Buffer): Promise<{ bytes: Buffer; error?: string }> {
  // The common case inflates on this thread: zlib streams run on the thread pool, and their buffers
  // then sit in per-thread malloc arenas long after they are freed (hundreds of MiB of RSS).
  try {
    return { bytes: gunzipSync(body) };
  } catch (err) {
    if (/unexpected end/i.test((err as Error).message)) {
      try {
        return { bytes: gunzipSync(body, { finishFlush: zlibConstants.Z_SYNC_FLUSH }), error: 'gzip stream ends early (truncated)' };
      } catch {
        // Fall through to the streaming salvage below.
      }
    }
  }
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const g = createGunzip();
    g.on('data', (b: Buffer) => out.push(b));
    g.on('error', (err: Error) => resolve({ bytes: Buffer.concat(out), error: /unexpected end/i.test(err.message) ? 'gzip stream ends early (truncated)' : `not a valid gzip stream (${err.message})` }));
    g.on('end', () => resolve({ bytes: Buffer.concat(out) }));
    g.end(body);
  });
}

/** Reads a session's events in order, one segment at a time, with damaged ranges marked. */
export async function* readSessionRecords(
  store: ObjectStore,
  sessionId: string,
  segments: { key: string; no: number }[],
  expected: { events?: number; segments?: readonly number[] } = {},
): AsyncGenerator<SessionRecord> {
  let lastSeq = -1;
  let pending: DamagedRange | undefined;
  const damage = (reason: string, ...segments: number[]): void => {
    pending ??= { segments: [], afterSeq: lastSeq, reasons: [] };
    for (const segment of segments) if (!pending.segments.includes(segment)) pending.segments.push(segment);
    pending.reasons.push(reason);
  };
  // Numbering starts at 1 without holes; the index names segments the store may have lost (even the last).
  const stored = new Map(segments.map((seg) => [seg.no, seg.key]));
  const last = Math.max(0, ...stored.keys(), ...(expected.segments ?? []));
  for (let no = 1; no <= last; no++) {
    const name = `segment ${pad(no)}`;
    const key = stored.get(no);
    if (key === undefined) {
      let to = no;
      while (to + 1 <= last && !stored.has(to + 1)) to++;
      damage(`segment${to > no ? `s ${pad(no)}–${pad(to)}` : ` ${pad(no)}`} missing from the store`, ...Array.from({ length: to - no + 1 }, (_v, i) => no + i));
      no = to;
      continue;
    }
    const seg = { key, no };
    const body = await store.get(seg.key);
    if (!body) {
      damage(`${name}: missing from the store`, seg.no);
      continue;
    }
    // The events before a gzip error are shown; the error marks what follows them.
    const inflated = await inflateSalvaging(body);
    const { lines, partial } = splitLines(inflated.bytes);
    for (const line of lines) {
      const parsed = parseEvent(line);
      if (!parsed.ok) {
        damage(`${name}: ${parsed.kind === 'not_json' ? `line after seq ${lastSeq} is not valid JSON` : parsed.reason}`, seg.no);
        continue;
      }
      const e = parsed.event;
      if (e.sessionId !== sessionId) {
        damage(`${name}: event seq ${e.seq} belongs to session ${e.sessionId}`, seg.no);
        continue;
      }
      if (e.seq <= lastSeq) {
        damage(`${name}: event seq ${e.seq} repeats or goes back (after seq ${lastSeq})`, seg.no);
        continue;
      }
      if (e.seq !== lastSeq + 1 && !pending) damage(`${name}: sequence jumps from ${lastSeq} to ${e.seq}`, seg.no);
      if (pending) {
        yield { kind: 'damage', damage: { ...pending, beforeSeq: e.seq } };
        pending = undefined;
      }
      lastSeq = e.seq;
      const ref = e.type === 'result' ? (e.data as { blob?: BlobRef }).blob : undefined;
      yield { kind: 'event', event: e, line, ...(ref ? { openBlob: () => readObjectStream(store, blobKey(store.prefix, sessionId, ref.sha256)) } : {}) };
    }
    if (inflated.error) damage(`${name}: ${inflated.error}`, seg.no);
    else if (partial) damage(`${name}: last event is cut off without its newline (truncated)`, seg.no);
  }
  if (!pending && expected.events !== undefined && lastSeq + 1 < expected.events) damage(`the session's index lists ${expected.events} event(s) but the readable segments end at seq ${lastSeq}`);
  if (pending) yield { kind: 'damage', damage: pending };
}

/** Throws SESSION_NOT_FOUND unless the session has segments or an index. */
export function assertSessionFound(store: ObjectStore, sessionId: string, segments: number, indexParts: number): void {
  if (segments === 0 && indexParts === 0) throw new RecordingError(RECORDING_ERRORS.sessionNotFound, `session ${sessionId} not found in ${store.description}`);
}
