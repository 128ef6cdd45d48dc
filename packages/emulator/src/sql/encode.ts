/**
 * DuckDB result types → Snowflake `rowtype` entries, and DuckDB values → the JSON-result cell
 * strings of docs/protocol.md §4.4 (every cell a string or null).
 */
import type { DuckDBDateValue, DuckDBTimeValue, DuckDBTimeNSValue } from '@duckdb/node-api';
import {
  DuckDBBlobValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBArrayValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTypeId,
  DuckDBUnionValue,
  DuckDBVariantValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { RowType } from '@snowtrail/protocol';

/** Encodes one DuckDB value of a column into its wire string. */
export type CellEncoder = (value: DuckDBValue) => string | null;

/** A column's Snowflake description plus its cell encoder. */
export interface ColumnCodec {
  rowType: RowType;
  encode: CellEncoder;
}

const MAX_TEXT = 16777216;
const MAX_BINARY = 8388608;

function baseRowType(name: string, type: string): RowType {
  return {
    name,
    database: '',
    schema: '',
    table: '',
    nullable: true,
    byteLength: null,
    length: null,
    type,
    scale: null,
    precision: null,
    collation: null,
  };
}

/** Builds the codec of a result column from its DuckDB type. */
export function columnCodec(name: string, type: DuckDBType): ColumnCodec {
  const rt = baseRowType(name, 'text');
  const id = type.typeId;
  switch (id) {
    case DuckDBTypeId.BOOLEAN:
      rt.type = 'boolean';
      return { rowType: rt, encode: (v) => (v === null ? null : v ? '1' : '0') };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      // Snowflake integers are NUMBER(38,0).
      rt.type = 'fixed';
      rt.precision = 38;
      rt.scale = 0;
      return { rowType: rt, encode: (v) => (v === null ? null : String(v)) };
    case DuckDBTypeId.DECIMAL: {
      const t = type as DuckDBType & { width: number; scale: number };
      rt.type = 'fixed';
      rt.precision = t.width;
      rt.scale = t.scale;
      return { rowType: rt, encode: (v) => (v === null ? null : formatDecimal((v as DuckDBDecimalValue).value, (v as DuckDBDecimalValue).scale)) };
    }
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      rt.type = 'real';
      return { rowType: rt, encode: (v) => (v === null ? null : String(v)) };
    case DuckDBTypeId.DATE:
      rt.type = 'date';
      return { rowType: rt, encode: (v) => (v === null ? null : String((v as DuckDBDateValue).days)) };
    case DuckDBTypeId.TIME:
      rt.type = 'time';
      rt.scale = 9;
      rt.precision = 0;
      return { rowType: rt, encode: (v) => (v === null ? null : formatNanos((v as DuckDBTimeValue).micros * 1000n)) };
    case DuckDBTypeId.TIME_NS:
      rt.type = 'time';
      rt.scale = 9;
      rt.precision = 0;
      return { rowType: rt, encode: (v) => (v === null ? null : formatNanos((v as DuckDBTimeNSValue).nanos)) };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      // A DuckDB TIMESTAMPTZ is an instant shown in the session time zone: Snowflake's TIMESTAMP_LTZ.
      rt.type = id === DuckDBTypeId.TIMESTAMP_TZ ? 'timestamp_ltz' : 'timestamp_ntz';
      rt.scale = 9;
      rt.precision = 0;
      return { rowType: rt, encode: (v) => (v === null ? null : formatNanos(timestampNanos(v))) };
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS: {
      // Second and millisecond timestamps are TIMESTAMP_NTZ(0) and (3): the cell has `scale` fraction digits.
      const scale = id === DuckDBTypeId.TIMESTAMP_S ? 0 : 3;
      rt.type = 'timestamp_ntz';
      rt.scale = scale;
      rt.precision = 0;
      return { rowType: rt, encode: (v) => (v === null ? null : formatNanos(timestampNanos(v), scale)) };
    }
    case DuckDBTypeId.BLOB:
      rt.type = 'binary';
      rt.length = MAX_BINARY;
      rt.byteLength = MAX_BINARY;
      return { rowType: rt, encode: (v) => (v === null ? null : Buffer.from((v as DuckDBBlobValue).bytes).toString('hex').toUpperCase()) };
    case DuckDBTypeId.VARCHAR:
      if (type.alias === 'JSON') {
        rt.type = 'variant';
        return { rowType: rt, encode: (v) => (v === null ? null : prettyJsonText(v as string)) };
      }
      rt.length = MAX_TEXT;
      rt.byteLength = MAX_TEXT;
      return { rowType: rt, encode: (v) => (v === null ? null : (v as string)) };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      rt.type = 'array';
      return { rowType: rt, encode: (v) => (v === null ? null : JSON.stringify(toJsonValue(v), null, 2)) };
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      rt.type = 'object';
      return { rowType: rt, encode: (v) => (v === null ? null : JSON.stringify(toJsonValue(v), null, 2)) };
    case DuckDBTypeId.UNION:
    case DuckDBTypeId.VARIANT:
      rt.type = 'variant';
      return { rowType: rt, encode: (v) => (v === null ? null : JSON.stringify(toJsonValue(v), null, 2)) };
    default:
      // UUID, ENUM, INTERVAL, BIT, TIME_TZ, SQLNULL, GEOMETRY: their text form.
      rt.length = MAX_TEXT;
      rt.byteLength = MAX_TEXT;
      return { rowType: rt, encode: (v) => (v === null ? null : String(v)) };
  }
}

/** Decimal text of an unscaled integer and a scale: (12345n, 2) → "123.45". */
export function formatDecimal(unscaled: bigint, scale: number): string {
  if (scale === 0) return unscaled.toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/**
 * Seconds with a `scale`-digit fraction (default 9) from nanoseconds: 3723000000000n → "3723.000000000"
 * (§4.4 time/timestamp). A pre-1970 instant is a plain negative decimal (-1.5 s → "-1.500000000"):
 * snowflake-sdk and the Python connector's JSON converters read the whole text as one signed number.
 */
export function formatNanos(nanos: bigint, scale = 9): string {
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const seconds = abs / 1_000_000_000n;
  const fraction = abs % 1_000_000_000n;
  const digits = fraction.toString().padStart(9, '0').slice(0, scale);
  return `${negative ? '-' : ''}${seconds}${scale > 0 ? `.${digits}` : ''}`;
}

/** The `timestamp_tz` wire form (`"<secs.frac> <offsetMinutes+1440>"`, version ≥ 1). */
export function formatTimestampTz(nanos: bigint, offsetMinutes: number): string {
  return `${formatNanos(nanos)} ${offsetMinutes + 1440}`;
}

function timestampNanos(v: DuckDBValue): bigint {
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return v.micros * 1000n;
  if (v instanceof DuckDBTimestampSecondsValue) return v.seconds * 1_000_000_000n;
  if (v instanceof DuckDBTimestampMillisecondsValue) return v.millis * 1_000_000n;
  if (v instanceof DuckDBTimestampNanosecondsValue) return v.nanos;
  throw new TypeError('not a timestamp value');
}

function prettyJsonText(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Converts a DuckDB value into a plain JSON value (for variant/object/array cells). */
export function toJsonValue(v: DuckDBValue): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) return v.items.map(toJsonValue);
  if (v instanceof DuckDBStructValue) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v.entries)) o[k] = toJsonValue(x);
    return o;
  }
  if (v instanceof DuckDBMapValue) {
    const o: Record<string, unknown> = {};
    for (const e of v.entries) o[String(toJsonValue(e.key))] = toJsonValue(e.value);
    return o;
  }
  if (v instanceof DuckDBDecimalValue) return Number(formatDecimal(v.value, v.scale));
  if (v instanceof DuckDBBlobValue) return Buffer.from(v.bytes).toString('hex').toUpperCase();
  if (v instanceof DuckDBUnionValue) return toJsonValue(v.value);
  if (v instanceof DuckDBVariantValue) return toJsonValue(v.value);
  return String(v);
}
