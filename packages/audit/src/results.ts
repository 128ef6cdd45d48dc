/**
 * Recorded result payloads, reassembled while a session streams by and decoded into wire cells:
 * inline answers (JSON `rowset` or Arrow `rowsetBase64`) and chunks (JSON rows without brackets, or
 * Arrow IPC streams), gunzipped where stored compressed. Only parts still open are held in memory —
 * a part is handed out as soon as its closing event goes by.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { BlobRef, RecordingEvent, RedactionInfo } from '@snowtrail/recording';
import { readArrowStream, type WireCell } from './arrow.js';
import { jsonChunkRows } from './json-rows.js';
import type { PartBytesLease } from './part-buffer.js';
import { columnsFromRowtype, type ColumnType } from './wire-values.js';

/** One result part as recorded. */
export interface RecordedPart {
  partId: string;
  requestId?: string;
  queryId?: string;
  querySeq?: number;
  part: string;
  format: 'json' | 'arrow';
  storedCompression: 'none' | 'gzip';
  columns?: string[];
  bytes: Buffer[];
  size: number;
  complete: boolean;
  /** Bytes past the display cap were not kept. */
  truncatedForDisplay: boolean;
  /** Why the part was cut short, when a `result.abort` closed it. */
  aborted?: string;
  redaction?: RedactionInfo;
  clientSha256?: string;
  /** v2: the blob holding the stored bytes; `bytes` stays empty until loadPartBlob fills it. */
  blob?: BlobRef;
  /** v2: the blob could not be read as referenced (missing, or not the referenced bytes). */
  blobProblem?: string;
  /** `bytes` are a lent buffer (part-buffer.ts): to be called once they are no longer read. */
  releaseBytes?: () => void;
}

/** Decoded rows of a part, cells as wire strings. */
export interface DecodedPart {
  columns: ColumnType[];
  rows: Iterable<WireCell[]>;
}

/** Default most bytes of one part kept for decoding (a Snowflake chunk is far smaller). */
export const MAX_PART_BYTES = 256 * 1024 * 1024;

function openPart(d: Record<string, unknown>): RecordedPart {
  return {
    partId: String(d.partId),
    part: String(d.part),
    format: d.format === 'arrow' ? 'arrow' : 'json',
    storedCompression: (d.storedCompression ?? d.compression) === 'gzip' ? 'gzip' : 'none',
    bytes: [],
    size: 0,
    complete: !d.streamed,
    truncatedForDisplay: false,
    ...(typeof d.requestId === 'string' ? { requestId: d.requestId } : {}),
    ...(typeof d.queryId === 'string' ? { queryId: d.queryId } : {}),
    ...(typeof d.querySeq === 'number' ? { querySeq: d.querySeq } : {}),
    ...(Array.isArray(d.columns) ? { columns: d.columns as string[] } : {}),
    ...(d.redaction ? { redaction: d.redaction as RedactionInfo } : {}),
    ...(typeof d.clientSha256 === 'string' ? { clientSha256: d.clientSha256 } : {}),
  };
}

/** Reassembles result parts from a stream of events; `push` returns each part once it is closed. */
export class ResultAssembler {
  private readonly open = new Map<string, RecordedPart>();
  constructor(private readonly maxPartBytes = MAX_PART_BYTES) {}

  /** Feeds one event; returns the part it closed, if any. */
  push(e: RecordingEvent): RecordedPart | undefined {
    const d = e.data;
    if (e.type === 'result') {
      const p = openPart(d);
      const blob = d.blob as BlobRef | undefined;
      if (blob) return { ...p, complete: true, blob, size: blob.bytes };
      if (typeof d.base64 === 'string') {
        const b = Buffer.from(d.base64, 'base64');
        p.bytes.push(b);
        p.size = b.length;
      }
      if (p.complete) return p;
      this.open.set(p.partId, p);
      return undefined;
    }
    const p = this.open.get(String(d.partId));
    if (e.type === 'result.data' && p) {
      const b = Buffer.from(String(d.base64), 'base64');
      if (p.size + b.length <= this.maxPartBytes && !p.truncatedForDisplay) p.bytes.push(b);
      else p.truncatedForDisplay = true;
      p.size += b.length;
      return undefined;
    }
    if (e.type === 'result.abort' && !p && typeof d.part === 'string') {
      // v2: an aborted part has no `result` event; its abort says what it was.
      return { ...openPart(d), complete: false, aborted: String(d.reason ?? 'aborted') };
    }
    if (!p) return undefined;
    if (e.type === 'result.end' || e.type === 'result.abort') {
      this.open.delete(p.partId);
      p.complete = e.type === 'result.end';
      if (e.type === 'result.abort') p.aborted = String(d.reason ?? 'aborted');
      if (typeof d.clientSha256 === 'string') p.clientSha256 = d.clientSha256;
      if (d.redaction) p.redaction = d.redaction as RedactionInfo;
      return p;
    }
    return undefined;
  }

  /** Parts never closed (the stream ended or was damaged before their end). */
  unclosed(): RecordedPart[] {
    return [...this.open.values()];
  }
}

/** Every part of a list of events, closed or not, in the order they opened (tests and replay; holds them all). */
export function collectResultParts(events: Iterable<RecordingEvent>, maxBytes = MAX_PART_BYTES): RecordedPart[] {
  const a = new ResultAssembler(maxBytes);
  const opened: string[] = [];
  const byId = new Map<string, RecordedPart>();
  for (const e of events) {
    if (e.type === 'result') opened.push(String(e.data.partId));
    const p = a.push(e);
    if (p) byId.set(p.partId, p);
  }
  for (const p of a.unclosed()) byId.set(p.partId, p);
  return opened.flatMap((id) => byId.get(id) ?? []);
}

/**
 * v2: reads a part's blob into it, streaming and hashing on the way; keeps at most `maxBytes`
 * (more is marked truncated for display). A missing blob or one that is not the referenced bytes
 * is told in `blobProblem`, never decoded as if it were the record. With `lease`, the bytes are
 * copied into a lent buffer (given back through the part's `releaseBytes`) instead of kept as read.
 */
export async function loadPartBlob(p: RecordedPart, open: (() => Promise<AsyncIterable<Uint8Array> | undefined>) | undefined, maxBytes = MAX_PART_BYTES, lease?: (size: number) => PartBytesLease): Promise<RecordedPart> {
  if (!p.blob) return p;
  const stream = open ? await open().catch(() => undefined) : undefined;
  if (!stream) return { ...p, blobProblem: `its blob ${p.blob.sha256.slice(0, 16)}… is missing from the store` };
  const hash = createHash('sha256');
  const bytes: Buffer[] = [];
  // The referenced length is known: read into one buffer of that size (bytes past it are hashed, not kept).
  const lent = lease && p.blob.bytes <= maxBytes ? lease(p.blob.bytes) : undefined;
  let size = 0;
  let truncatedForDisplay = false;
  try {
    for await (const piece of stream) {
      // A view, not a copy: Buffer.from(Uint8Array) would copy every piece of the payload once more.
      const b = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      hash.update(b);
      if (lent) {
        if (size < p.blob.bytes) b.copy(lent.buffer, size, 0, Math.min(b.length, p.blob.bytes - size));
      } else if (size + b.length <= maxBytes && !truncatedForDisplay) bytes.push(b);
      else truncatedForDisplay = true;
      size += b.length;
    }
  } catch (err) {
    lent?.release();
    throw err;
  }
  if (hash.digest('hex') !== p.blob.sha256 || size !== p.blob.bytes) {
    lent?.release();
    return { ...p, blobProblem: `its blob ${p.blob.sha256.slice(0, 16)}… does not hold the referenced bytes (altered)` };
  }
  if (lent) return { ...p, bytes: [lent.buffer.subarray(0, size)], size, truncatedForDisplay: false, releaseBytes: lent.release };
  return { ...p, bytes, size, truncatedForDisplay };
}

function plainBytes(p: RecordedPart): Buffer {
  const b = p.bytes.length === 1 ? p.bytes[0]! : Buffer.concat(p.bytes);
  // Detected by magic bytes too: the stored compression flag is not the only witness.
  return p.storedCompression === 'gzip' || (b[0] === 0x1f && b[1] === 0x8b) ? gunzipSync(b) : b;
}

/** Arrow columns, with names and types from the answer's rowtype where the field metadata has none. */
function mergeColumns(arrow: ColumnType[], rowtype: ColumnType[]): ColumnType[] {
  return arrow.map((c, i) => {
    const r = rowtype[i];
    return c.type || !r ? c : { ...r, name: c.name || r.name };
  });
}

/**
 * Decodes a part into wire cells (throws when it cannot be decoded or was cut for display).
 * `context` gives a chunk the columns of its statement's inline answer.
 */
export function decodeResultPart(p: RecordedPart, context: ColumnType[] = []): DecodedPart {
  if (p.blobProblem) throw new Error(p.blobProblem);
  if (p.truncatedForDisplay) throw new Error(`part ${p.part} holds ${p.size} bytes, more than can be decoded for display`);
  const bytes = plainBytes(p);
  if (p.part === 'inline') {
    const answer = JSON.parse(bytes.toString('utf8')) as { data?: { rowtype?: unknown; rowset?: unknown; rowsetBase64?: string } };
    const data = answer.data ?? {};
    const columns = columnsFromRowtype(data.rowtype);
    if (typeof data.rowsetBase64 === 'string' && data.rowsetBase64 !== '') {
      const arrow = readArrowStream(Buffer.from(data.rowsetBase64, 'base64'));
      return { columns: mergeColumns(arrow.columns, columns), rows: arrow.rows };
    }
    return { columns, rows: Array.isArray(data.rowset) ? (data.rowset as WireCell[][]) : [] };
  }
  if (p.format === 'arrow') {
    const arrow = readArrowStream(bytes);
    return { columns: mergeColumns(arrow.columns, context), rows: arrow.rows };
  }
  const columns = context.length > 0 ? context : (p.columns ?? []).map((name) => ({ name }));
  // Rows are parsed as they are read: a chunk's rows are never all live at once.
  return { columns, rows: jsonChunkRows(bytes) };
}

/** Order of parts within a statement: the inline answer, then chunks by number. */
export function partOrder(part: string): number {
  return part === 'inline' ? -1 : Number(part.slice(6));
}

/** All rows of one statement as wire cells: its inline answer followed by its chunks, in order. */
export function rowsOfStatement(parts: RecordedPart[], match: { requestId?: string; querySeq?: number }): { columns: string[]; rows: WireCell[][] } | undefined {
  const mine = parts.filter((p) => (match.querySeq !== undefined && p.querySeq === match.querySeq) || (match.requestId !== undefined && p.requestId === match.requestId));
  if (mine.length === 0) return undefined;
  const sorted = [...mine].sort((a, b) => partOrder(a.part) - partOrder(b.part));
  let columns: ColumnType[] = [];
  const rows: WireCell[][] = [];
  for (const p of sorted) {
    const d = decodeResultPart(p, columns);
    if (p.part === 'inline' || columns.length === 0) columns = d.columns;
    for (const r of d.rows) rows.push(r);
  }
  return { columns: columns.map((c) => c.name), rows };
}
