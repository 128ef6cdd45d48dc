/**
 * Reassembles and decodes recorded result payloads for `show --results`, `export` and `replay`:
 * inline answers (JSON rowset or Arrow rowsetBase64) and chunks (JSON rows without brackets, or
 * Arrow IPC streams), gunzipped where stored compressed.
 */
import { gunzipSync } from 'node:zlib';
import { tableFromIPC } from 'apache-arrow';
import type { RecordingEvent, RedactionInfo } from './format.js';

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
  truncatedForDisplay: boolean;
  redaction?: RedactionInfo;
  clientSha256?: string;
}

/** Decoded rows of a part. */
export interface DecodedRows {
  columns: string[];
  rows: unknown[][];
}

/** Collects result parts from events; keeps at most `maxBytes` of each part in memory. */
export function collectResultParts(events: Iterable<RecordingEvent>, maxBytes = 64 * 1024 * 1024): RecordedPart[] {
  const parts = new Map<string, RecordedPart>();
  const order: RecordedPart[] = [];
  for (const e of events) {
    const d = e.data as Record<string, unknown>;
    if (e.type === 'result') {
      const p: RecordedPart = {
        partId: String(d.partId),
        part: String(d.part),
        format: d.format === 'arrow' ? 'arrow' : 'json',
        storedCompression: ((d.storedCompression ?? d.compression) as 'none' | 'gzip') ?? 'none',
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
      if (typeof d.base64 === 'string') {
        const b = Buffer.from(d.base64, 'base64');
        p.bytes.push(b);
        p.size = b.length;
      }
      parts.set(p.partId, p);
      order.push(p);
    } else if (e.type === 'result.data') {
      const p = parts.get(String(d.partId));
      if (!p) continue;
      const b = Buffer.from(String(d.base64), 'base64');
      if (p.size + b.length <= maxBytes) p.bytes.push(b);
      else p.truncatedForDisplay = true;
      p.size += b.length;
    } else if (e.type === 'result.end') {
      const p = parts.get(String(d.partId));
      if (p) {
        p.complete = true;
        if (typeof d.clientSha256 === 'string') p.clientSha256 = d.clientSha256;
        if (d.redaction) p.redaction = d.redaction as RedactionInfo;
      }
    }
  }
  return order;
}

function plainBytes(p: RecordedPart): Buffer {
  const b = Buffer.concat(p.bytes);
  return p.storedCompression === 'gzip' || (b[0] === 0x1f && b[1] === 0x8b) ? gunzipSync(b) : b;
}

function decodeArrow(bytes: Uint8Array): DecodedRows {
  const table = tableFromIPC(bytes);
  const columns = table.schema.fields.map((f) => f.name);
  const rows: unknown[][] = [];
  for (const row of table) {
    const obj = row?.toJSON() as Record<string, unknown>;
    rows.push(columns.map((c) => normalizeArrowValue(obj[c])));
  }
  return { columns, rows };
}

function normalizeArrowValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex').toUpperCase();
  return v;
}

/** Decodes a part into rows (throws when it cannot be decoded or was truncated for display). */
export function decodeResultPart(p: RecordedPart, fallbackColumns?: string[]): DecodedRows {
  const bytes = plainBytes(p);
  if (p.part === 'inline') {
    const answer = JSON.parse(bytes.toString('utf8')) as { data?: { rowtype?: { name: string }[]; rowset?: unknown[][]; rowsetBase64?: string } };
    const data = answer.data ?? {};
    const columns = (data.rowtype ?? []).map((c) => c.name);
    if (typeof data.rowsetBase64 === 'string' && data.rowsetBase64 !== '') {
      const decoded = decodeArrow(Buffer.from(data.rowsetBase64, 'base64'));
      return { columns: columns.length > 0 ? columns : decoded.columns, rows: decoded.rows };
    }
    return { columns, rows: Array.isArray(data.rowset) ? data.rowset : [] };
  }
  if (p.format === 'arrow') return decodeArrow(bytes);
  const text = bytes.toString('utf8').trim();
  const rows = text === '' ? [] : (JSON.parse(`[${text}]`) as unknown[][]);
  return { columns: p.columns ?? fallbackColumns ?? [], rows };
}

/** All rows of one statement: its inline answer followed by its chunks, in part order. */
export function rowsOfStatement(parts: RecordedPart[], match: { requestId?: string; querySeq?: number }): DecodedRows | undefined {
  const mine = parts.filter((p) => (match.querySeq !== undefined && p.querySeq === match.querySeq) || (match.requestId !== undefined && p.requestId === match.requestId));
  if (mine.length === 0) return undefined;
  const inline = mine.find((p) => p.part === 'inline');
  const head = inline ? decodeResultPart(inline) : { columns: [], rows: [] };
  const rows = [...head.rows];
  const chunks = mine.filter((p) => p.part.startsWith('chunk:')).sort((a, b) => Number(a.part.slice(6)) - Number(b.part.slice(6)));
  for (const c of chunks) rows.push(...decodeResultPart(c, head.columns).rows);
  return { columns: head.columns.length > 0 ? head.columns : (chunks[0]?.columns ?? []), rows };
}
