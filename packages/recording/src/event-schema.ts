/**
 * The decoder every reader uses for a stored event line: the envelope and then the payload of its
 * type are validated, so a line that is valid JSON but not a valid event (a field of the wrong type,
 * a missing part id, an unknown type) is a precise problem — never a crash deep in a renderer, and
 * never silently taken for something it is not. Payloads are open (`looseObject`): fields a later
 * writer adds are kept, but every field a reader relies on is checked.
 */
import { z } from 'zod';
import type { EventType, RecordingEvent } from './format.js';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits (SHA-256)');
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
const count = z.number().int().nonnegative();
const names = z.array(z.string());

const redaction = z.looseObject({
  columns: names,
  method: z.enum(['replace', 'withheld']),
  replacement: z.string().optional(),
  patterns: names,
  originalSha256: hex64.optional(),
  originalBytes: count.optional(),
});

const statement = z.looseObject({ class: z.string(), reads: names, writes: names });

const queryData = z.looseObject({
  requestId: z.string(),
  sqlText: z.string(),
  statements: z.array(statement),
  decision: z.enum(['allow', 'deny']),
  rule: z.string().optional(),
  reason: z.string().optional(),
  // Echoed from the driver's request as sent: some drivers send null for "none".
  bindStage: z.string().nullish(),
  asyncExec: z.boolean().nullish(),
});

const resultData = z.looseObject({
  partId: z.string().min(1),
  querySeq: count.optional(),
  requestId: z.string().optional(),
  queryId: z.string().nullish(),
  part: z.string().regex(/^(inline|chunk:\d+)$/, 'expected "inline" or "chunk:<n>"'),
  format: z.enum(['json', 'arrow']),
  compression: z.enum(['none', 'gzip']),
  storedCompression: z.enum(['none', 'gzip']).optional(),
  contentType: z.string().optional(),
  rowCount: count.optional(),
  columns: names.optional(),
  streamed: z.boolean(),
  base64: base64.optional(),
  bytes: count.optional(),
  sha256: hex64.optional(),
  clientSha256: hex64.optional(),
  redaction: redaction.optional(),
  blob: z.strictObject({ sha256: hex64, bytes: count }).optional(),
  clientBytes: count.optional(),
});

const object = z.looseObject({});
const optionalObject = object.optional();

/** Payload schema of each event type. */
const DATA: Record<EventType, z.ZodType> = {
  'session.start': z.looseObject({ identity: object, policy: optionalObject, snowflake: optionalObject, client: optionalObject }),
  'auth.failure': z.looseObject({ reason: z.string(), message: z.string().optional(), client: optionalObject }),
  query: queryData,
  'query.denied': queryData,
  'query.end': z.looseObject({ requestId: z.string(), status: z.string(), queryId: z.string().nullish(), errorCode: z.string().nullish(), rows: count.optional(), bytes: count.optional(), querySeq: count.optional() }),
  result: resultData,
  'result.data': z.looseObject({ partId: z.string().min(1), offset: count, bytes: count, base64 }),
  'result.end': z.looseObject({ partId: z.string().min(1), bytes: count, sha256: hex64, clientBytes: count, clientSha256: hex64, redaction: redaction.optional() }),
  'result.abort': z.looseObject({ partId: z.string().min(1), reason: z.string() }),
  note: z.looseObject({ kind: z.string() }),
  // Fields of gap events are being extended (which events, how many, why); only their types are pinned.
  gap: z.looseObject({ reason: z.string().optional(), dropped: count.optional() }),
  'session.end': z.looseObject({ reason: z.string() }),
  'session.interrupted': z.looseObject({ reason: z.string().optional(), lastAcknowledgedSeq: z.number().int().optional() }),
};

const EVENT_TYPES = Object.keys(DATA) as [EventType, ...EventType[]];

const envelope = z.strictObject({
  version: z.number().int().positive(),
  sessionId: z.string().min(1),
  seq: count,
  time: z.iso.datetime({ offset: true }),
  type: z.enum(EVENT_TYPES),
  prevHash: hex64,
  data: object,
});

/** The outcome of decoding one stored line. */
export type ParsedEvent =
  | { ok: true; event: RecordingEvent }
  /**
   * `reason` names the first invalid field (e.g. `event seq 7 (result.data): data.offset: …`).
   * `seq` and `prevHash` are given when the envelope still has them, so a chain check can go on.
   */
  | { ok: false; kind: 'not_json' | 'invalid'; reason: string; seq?: number; prevHash?: string; type?: string; version?: number; sessionId?: string };

function describeIssue(issue: z.core.$ZodIssue, prefix: string): string {
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return `${path || 'event'}: ${issue.message}`;
}

/** Decodes and validates one event line (without its newline); pure, never throws. */
export function parseEvent(line: Uint8Array | string): ParsedEvent {
  const text = typeof line === 'string' ? line : Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, kind: 'not_json', reason: 'not valid JSON (truncated or altered)' };
  }
  const loose = (raw ?? {}) as Record<string, unknown>;
  const known = {
    ...(typeof loose.seq === 'number' ? { seq: loose.seq } : {}),
    ...(typeof loose.prevHash === 'string' ? { prevHash: loose.prevHash } : {}),
    ...(typeof loose.type === 'string' ? { type: loose.type } : {}),
    ...(typeof loose.version === 'number' ? { version: loose.version } : {}),
    ...(typeof loose.sessionId === 'string' ? { sessionId: loose.sessionId } : {}),
  };
  const label = `event${known.seq !== undefined ? ` seq ${known.seq}` : ''}${known.type !== undefined ? ` (${known.type})` : ''}`;
  const env = envelope.safeParse(raw);
  if (!env.success) return { ok: false, kind: 'invalid', reason: `${label}: ${describeIssue(env.error.issues[0]!, '')}`, ...known };
  const data = DATA[env.data.type].safeParse(env.data.data);
  if (!data.success) return { ok: false, kind: 'invalid', reason: `${label}: ${describeIssue(data.error.issues[0]!, 'data')}`, ...known };
  const mismatch = versionMismatch(env.data.version, env.data.type, env.data.data);
  if (mismatch) return { ok: false, kind: 'invalid', reason: `${label}: ${mismatch}`, ...known };
  return { ok: true, event: raw as RecordingEvent };
}

/**
 * What a format version forbids (pure): v1 knows no blobs; v2 carries every result payload as a
 * blob reference (no base64 in events, no `result.data`/`result.end`). Undefined when consistent.
 */
function versionMismatch(version: number, type: EventType, data: Record<string, unknown>): string | undefined {
  if (version === 1) return type === 'result' && data.blob !== undefined ? 'data.blob: blob references exist only in format v2' : undefined;
  if (version !== 2) return `version: unsupported format version ${version}`;
  if (type === 'result.data' || type === 'result.end') return `type: ${type} does not exist in format v2 (payloads are blobs)`;
  if (type !== 'result') return undefined;
  if (data.blob === undefined) return 'data.blob: a v2 result event must reference its blob';
  if (data.base64 !== undefined || data.streamed !== false) return 'data: a v2 result event carries no bytes (base64) and is never streamed';
  return undefined;
}
