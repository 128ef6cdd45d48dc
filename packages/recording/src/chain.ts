/**
 * The hash chain: an event's canonical bytes are its JSON line as stored (envelope keys in fixed
 * order, no trailing newline); each event carries the SHA-256 of the previous event's bytes.
 * Verifiers hash the stored bytes and never re-serialise, so no JSON canonicalisation is needed.
 */
import { createHash } from 'node:crypto';
import { parseEvent } from './event-schema.js';
import { FORMAT_VERSION, GENESIS_HASH, type EventType, type FormatVersion, type RecordingEvent } from './format.js';

/** SHA-256 as lower-case hex. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The running state of one session's chain. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The head before a session's first event (seq 0 comes next). */
export function genesisHead(): ChainHead {
  return { seq: -1, hash: GENESIS_HASH };
}

/** Serialises the next event of a chain; returns the line bytes (without newline) and the new head. */
export function encodeEvent(
  head: ChainHead,
  sessionId: string,
  time: number,
  type: EventType,
  data: object,
  version: FormatVersion = FORMAT_VERSION,
): { line: Buffer; head: ChainHead; event: RecordingEvent } {
  const event: RecordingEvent = {
    version,
    sessionId,
    seq: head.seq + 1,
    time: new Date(time).toISOString(),
    type,
    prevHash: head.hash,
    data: data as Record<string, unknown>,
  };
  const line = Buffer.from(JSON.stringify(event), 'utf8');
  return { line, head: { seq: event.seq, hash: sha256Hex(line) }, event };
}

/** One problem found while checking a chain. */
export interface ChainProblem {
  kind: 'unparsable' | 'invalid' | 'seq_gap' | 'prev_hash_mismatch' | 'wrong_session' | 'bad_version';
  seq?: number;
  message: string;
}

/** Checks events (as stored lines) continue a chain; pure, returns the new head and the problems. */
export function checkChainLines(
  head: ChainHead,
  sessionId: string,
  lines: Iterable<Buffer>,
  where: string,
  /** The session's format version: every event must carry it (no mixing v1 and v2 in one chain). */
  version: FormatVersion = FORMAT_VERSION,
): { head: ChainHead; problems: ChainProblem[]; events: number } {
  const problems: ChainProblem[] = [];
  let current = head;
  let events = 0;
  for (const line of lines) {
    events++;
    const parsed = parseEvent(line);
    if (!parsed.ok && (parsed.kind === 'not_json' || parsed.seq === undefined || parsed.prevHash === undefined)) {
      problems.push(parsed.kind === 'not_json' ? { kind: 'unparsable', message: `${where}: line after seq ${current.seq} is not valid JSON (truncated or altered)` } : { kind: 'invalid', message: `${where}: line after seq ${current.seq}: ${parsed.reason}` });
      current = { seq: current.seq + 1, hash: sha256Hex(line) };
      continue;
    }
    // An event whose payload is invalid still carries its place in the chain: check that too.
    if (!parsed.ok) problems.push({ kind: 'invalid', seq: parsed.seq!, message: `${where}: ${parsed.reason}` });
    const event = parsed.ok ? parsed.event : { version: parsed.version, sessionId: parsed.sessionId, seq: parsed.seq!, prevHash: parsed.prevHash! };
    if (event.version !== version) {
      problems.push({ kind: 'bad_version', seq: event.seq, message: `${where}: event seq ${event.seq} has version ${String(event.version)}, not the session's ${version}` });
    }
    if (event.sessionId !== sessionId) {
      problems.push({ kind: 'wrong_session', seq: event.seq, message: `${where}: event seq ${event.seq} belongs to session ${event.sessionId}` });
    }
    if (event.seq !== current.seq + 1) {
      problems.push({
        kind: 'seq_gap',
        seq: event.seq,
        message: `${where}: sequence jumps from ${current.seq} to ${event.seq} (${event.seq > current.seq + 1 ? `${event.seq - current.seq - 1} event(s) missing` : 'events reordered or repeated'})`,
      });
    }
    if (event.prevHash !== current.hash) {
      problems.push({ kind: 'prev_hash_mismatch', seq: event.seq, message: `${where}: event seq ${event.seq} prevHash does not match the SHA-256 of the event before it (chain broken)` });
    }
    current = { seq: event.seq, hash: sha256Hex(line) };
  }
  return { head: current, problems, events };
}

/** Splits a segment's bytes into event lines; a final line without newline is reported as `partial`. */
export function splitLines(bytes: Buffer): { lines: Buffer[]; partial?: Buffer } {
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl < 0) break;
    lines.push(bytes.subarray(start, nl));
    start = nl + 1;
  }
  return start < bytes.length ? { lines, partial: bytes.subarray(start) } : { lines };
}
