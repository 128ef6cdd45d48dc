/**
 * Redaction of result columns in the recording (the client always gets the real data). Patterns are
 * case-insensitive globs (`*`) on column names. JSON results: every non-null cell of a matching
 * column becomes REDACTED_VALUE. An Arrow inline answer (`rowsetBase64`) is decoded with
 * apache-arrow, its matching columns replaced by text columns of REDACTED_VALUE and re-encoded; one
 * that cannot be decoded is withheld (never stored unmasked). Arrow chunks with a matching column
 * are held whole, masked the same way (maskArrowStream) and stored uncompressed; one that cannot be
 * decoded, or is over the size the recorder masks, is withheld; the recording says which.
 */
import { gunzipSync } from 'node:zlib';
import { Field, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Utf8, makeData, tableFromIPC, vectorFromArray } from 'apache-arrow';
import type { RedactionInfo } from './format.js';

/** What a masked cell holds in the recording. */
export const REDACTED_VALUE = '[REDACTED]';

/** Decides, by column name, whether values are masked. */
export type ColumnMatcher = (name: string) => boolean;

/** Compiles `recording.redact` patterns once (case-insensitive, `*` matches any run). */
export function compileRedaction(patterns: readonly string[]): ColumnMatcher | undefined {
  if (patterns.length === 0) return undefined;
  const regexes = patterns.map((p) => new RegExp(`^${p.split('*').map(escapeRegex).join('.*')}$`, 'i'));
  return (name) => regexes.some((r) => r.test(name));
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Indexes of the columns to mask, or [] when none match. */
export function maskedColumnIndexes(columns: readonly string[] | undefined, matcher: ColumnMatcher | undefined): number[] {
  if (!columns || !matcher) return [];
  const out: number[] = [];
  columns.forEach((c, i) => {
    if (matcher(c)) out.push(i);
  });
  return out;
}

/** Column names of an inline query answer (`data.rowtype[].name`), when the payload is JSON. */
export function columnsOfAnswer(answer: unknown): string[] | undefined {
  const data = (answer as { data?: { rowtype?: { name?: unknown }[] } } | undefined)?.data;
  if (!Array.isArray(data?.rowtype)) return undefined;
  return data.rowtype.map((c) => String(c.name ?? ''));
}

/** Result of redacting one inline answer. */
export interface InlineRedaction {
  bytes: Buffer;
  storedCompression: 'none' | 'gzip';
  redaction?: Omit<RedactionInfo, 'originalSha256' | 'originalBytes'>;
}

/** Redacts an inline answer (pure); returns the input untouched when no column matches. */
export function redactInlineAnswer(bytes: Buffer, compression: 'none' | 'gzip', matcher: ColumnMatcher | undefined, patterns: string[]): InlineRedaction {
  if (!matcher) return { bytes, storedCompression: compression };
  let answer: { data?: { rowtype?: { name?: unknown }[]; rowset?: unknown; rowsetBase64?: unknown } };
  try {
    const plain = compression === 'gzip' || (bytes[0] === 0x1f && bytes[1] === 0x8b) ? gunzipSync(bytes) : bytes;
    answer = JSON.parse(plain.toString('utf8')) as typeof answer;
  } catch {
    return { bytes, storedCompression: compression };
  }
  const columns = columnsOfAnswer(answer) ?? [];
  const idx = maskedColumnIndexes(columns, matcher);
  if (idx.length === 0) return { bytes, storedCompression: compression };
  const names = idx.map((i) => columns[i]!);
  const data = answer.data!;
  if (Array.isArray(data.rowset)) {
    for (const row of data.rowset as unknown[]) {
      if (!Array.isArray(row)) continue;
      for (const i of idx) if (row[i] !== null && row[i] !== undefined) row[i] = REDACTED_VALUE;
    }
  }
  if (typeof data.rowsetBase64 === 'string' && data.rowsetBase64 !== '') {
    const masked = maskArrowStream(Buffer.from(data.rowsetBase64, 'base64'), idx);
    data.rowsetBase64 = masked ? masked.toString('base64') : '';
    const method = masked ? { method: 'replace' as const, replacement: REDACTED_VALUE } : { method: 'withheld' as const };
    return { bytes: Buffer.from(JSON.stringify(answer)), storedCompression: 'none', redaction: { columns: names, ...method, patterns } };
  }
  return { bytes: Buffer.from(JSON.stringify(answer)), storedCompression: 'none', redaction: { columns: names, method: 'replace', replacement: REDACTED_VALUE, patterns } };
}

/**
 * An Arrow IPC stream with the given columns replaced, batch by batch, by text columns holding
 * REDACTED_VALUE for every non-null value (field metadata kept, `logicalType` set to TEXT); other
 * columns are carried over unchanged. Undefined when the bytes are not a readable stream.
 */
export function maskArrowStream(bytes: Uint8Array, columnIndexes: readonly number[]): Buffer | undefined {
  let table;
  try {
    table = tableFromIPC(bytes);
  } catch {
    return undefined;
  }
  // apache-arrow reads garbage as an empty table rather than throwing: a stream without the
  // columns to mask is not one this code understands.
  if (columnIndexes.some((i) => i >= table.schema.fields.length)) return undefined;
  const masked = new Set(columnIndexes);
  const fields = table.schema.fields.map((f, i) =>
    masked.has(i) ? new Field(f.name, new Utf8(), true, new Map([...f.metadata, ['logicalType', 'TEXT']])) : f,
  );
  const schema = new Schema(fields, table.schema.metadata);
  const batches = table.batches.map((batch) => {
    const children = fields.map((_f, i) => {
      const column = batch.getChildAt(i)!;
      if (!masked.has(i)) return column.data[0]!;
      const values = Array.from({ length: batch.numRows }, (_v, r) => (column.isValid(r) ? REDACTED_VALUE : null));
      return vectorFromArray(values, new Utf8()).data[0]!;
    });
    return new RecordBatch(schema, makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }));
  });
  return Buffer.from(RecordBatchStreamWriter.writeAll(batches).toUint8Array(true));
}

/**
 * Streaming redactor of a JSON chunk body (`["a","b"],["c",null]`): masks string cells of the
 * given columns as bytes flow, with state carried across arbitrary split points, so a chunk of any
 * size is redacted without being held in memory. Only ASCII bytes (`"`, `\`, `[`, `]`, `,`) drive
 * the state machine, so UTF-8 sequences split across pieces are safe.
 */
export class JsonRowsRedactor {
  private depth = 0;
  private column = 0;
  private inString = false;
  private escaped = false;
  private masking = false;
  private readonly masked: Set<number>;

  constructor(columnIndexes: readonly number[]) {
    this.masked = new Set(columnIndexes);
  }

  /** Redacts one piece; returns the bytes to store (copies unmasked runs, so throughput stays high). */
  push(input: Uint8Array): Buffer {
    const out: Buffer[] = [];
    let runStart = 0;
    const flush = (end: number): void => {
      if (end > runStart) out.push(Buffer.from(input.buffer, input.byteOffset + runStart, end - runStart));
    };
    for (let i = 0; i < input.length; i++) {
      const c = input[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.masking) {
            // The closing quote starts the next unmasked run.
            this.masking = false;
            runStart = i;
          }
        }
        continue;
      }
      if (c === 0x22) {
        this.inString = true;
        if (this.depth === 1 && this.masked.has(this.column)) {
          this.masking = true;
          flush(i);
          out.push(OPEN_MASK);
          runStart = input.length;
        }
      } else if (c === 0x5b) {
        this.depth++;
        if (this.depth === 1) this.column = 0;
      } else if (c === 0x5d) this.depth--;
      else if (c === 0x2c && this.depth === 1) this.column++;
    }
    if (!this.masking) flush(input.length);
    return Buffer.concat(out);
  }
}

/** An opening quote and the mask text, without the closing quote (that comes from the input). */
const OPEN_MASK = Buffer.from(JSON.stringify(REDACTED_VALUE).slice(0, -1));
