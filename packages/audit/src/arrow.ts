/**
 * Recorded Arrow results (queryResultFormat arrow: `rowsetBase64` in the answer and chunks that are
 * Arrow IPC streams) decoded with apache-arrow, row by row, into the same wire strings Snowflake's
 * JSON format carries — so one formatter (wire-values.ts) shows both. Snowflake's field metadata
 * decides what a physical value means, as the drivers' own converters read it (snowflake-jdbc
 * `core/arrow/*Converter`, the Python connector's arrow iterator):
 * - FIXED: an integer scaled by `scale` (Int8…Int64), or a Decimal128 for large precision;
 * - TIMESTAMP_NTZ/LTZ: an Int64 in units of 10^-scale s, or a struct {epoch s, fraction ns};
 * - TIMESTAMP_TZ: a struct {epoch (10^-scale s), timezone} or {epoch s, fraction ns, timezone},
 *   timezone being the offset in minutes + 1440;
 * - DATE: Date32 days; TIME: an integer in units of 10^-scale s; BOOLEAN: Bool; BINARY: bytes;
 *   TEXT, VARIANT, OBJECT, ARRAY: UTF-8 text; REAL: Float64.
 */
import { RecordBatchReader, type Field } from 'apache-arrow';
import type { ColumnType } from './wire-values.js';

/** A decoded cell: the wire string, or null. */
export type WireCell = string | null;

function metaNumber(field: Field, key: string): number | undefined {
  const v = field.metadata.get(key);
  return v === undefined || v.trim() === '' || Number.isNaN(Number(v)) ? undefined : Number(v);
}

/** The column a field describes, from Snowflake's metadata (logicalType, scale, precision). */
export function columnOfField(field: Field): ColumnType {
  const logical = field.metadata.get('logicalType');
  const scale = metaNumber(field, 'scale');
  const precision = metaNumber(field, 'precision');
  return {
    name: field.name,
    ...(logical ? { type: logical.toLowerCase() } : {}),
    ...(scale !== undefined ? { scale } : {}),
    ...(precision !== undefined ? { precision } : {}),
  };
}

/** Two's-complement little-endian 32-bit words (a Decimal128 value) as a bigint. */
function wordsToBigInt(words: Uint32Array): bigint {
  let v = 0n;
  for (let i = words.length - 1; i >= 0; i--) v = (v << 32n) | BigInt(words[i]!);
  const bits = BigInt(words.length * 32);
  return v >= 1n << (bits - 1n) ? v - (1n << bits) : v;
}

function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (v instanceof Uint32Array) return wordsToBigInt(v);
  return undefined;
}

/** A scaled integer as decimal text: 12345 at scale 2 → "123.45", -5 at scale 3 → "-0.005". */
export function scaledToDecimal(v: bigint, scale: number): string {
  if (scale <= 0) return v.toString();
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').toUpperCase();

/** Seconds and nanoseconds as "secs.frac" with `scale` fraction digits. */
function epochFraction(epoch: bigint, nanos: number, scale: number): string {
  const frac = scale > 0 ? String(nanos).padStart(9, '0').slice(0, scale) : '';
  return frac ? `${epoch}.${frac}` : epoch.toString();
}

function struct(v: unknown): Record<string, unknown> | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as { toJSON?: () => unknown };
  return (typeof o.toJSON === 'function' ? o.toJSON() : v) as Record<string, unknown>;
}

/** One Arrow value as the wire string of its Snowflake column (pure). */
export function arrowCellToWire(v: unknown, column: ColumnType): WireCell {
  if (v === null || v === undefined) return null;
  const scale = column.scale ?? 0;
  switch (column.type) {
    case 'fixed': {
      const b = toBigInt(v);
      if (b !== undefined) return scaledToDecimal(b, scale);
      break;
    }
    case 'date':
      // apache-arrow hands Date32 out as milliseconds since the epoch.
      if (typeof v === 'number') return String(Math.floor(v / 86_400_000));
      if (v instanceof Date) return String(Math.floor(v.getTime() / 86_400_000));
      break;
    case 'time': {
      const b = toBigInt(v);
      if (b !== undefined) return scaledToDecimal(b, scale);
      break;
    }
    case 'timestamp_ntz':
    case 'timestamp_ltz': {
      const b = toBigInt(v);
      if (b !== undefined) return scaledToDecimal(b, scale);
      const s = struct(v);
      const epoch = toBigInt(s?.epoch);
      if (s && epoch !== undefined) return epochFraction(epoch, Number(s.fraction ?? 0), scale);
      break;
    }
    case 'timestamp_tz': {
      const s = struct(v);
      const epoch = toBigInt(s?.epoch);
      if (!s || epoch === undefined) break;
      const tz = Number(s.timezone ?? 1440);
      const when = 'fraction' in s ? epochFraction(epoch, Number(s.fraction ?? 0), scale) : scaledToDecimal(epoch, scale);
      return `${when} ${tz}`;
    }
    case 'boolean':
      if (typeof v === 'boolean') return v ? '1' : '0';
      break;
    case 'binary':
      if (v instanceof Uint8Array) return hex(v);
      break;
    default:
      break;
  }
  // Types without metadata (or shapes not listed above) are shown as apache-arrow gives them.
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return hex(v);
  if (v instanceof Uint32Array) return wordsToBigInt(v).toString();
  return JSON.stringify(struct(v), (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/** Decodes an Arrow IPC stream: its columns, then its rows one at a time (batch by batch). */
export function readArrowStream(bytes: Uint8Array): { columns: ColumnType[]; rows: Iterable<WireCell[]> } {
  const reader = RecordBatchReader.from(bytes);
  reader.open();
  const schema = reader.schema;
  const columns = schema.fields.map(columnOfField);
  function* rows(): Generator<WireCell[]> {
    for (const batch of reader) {
      const vectors = columns.map((_c, i) => batch.getChildAt(i));
      for (let r = 0; r < batch.numRows; r++) yield columns.map((c, i) => arrowCellToWire(vectors[i]?.get(r), c));
    }
  }
  return { columns, rows: rows() };
}
