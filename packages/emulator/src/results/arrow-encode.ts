/**
 * Encodes a result's rows (the JSON-result cell strings of encode.ts) as an Arrow IPC stream the
 * way Snowflake lays each logical type out, so the drivers' own Arrow converters read them:
 * snowflake-jdbc `ArrowVectorConverterUtil`, snowflake-connector-python
 * `nanoarrow_cpp/ArrowIterator/CArrowChunkIterator.cpp` (`getConverterFromSchema`), gosnowflake
 * `converter.go` (`arrowToValue`, `arrowSnowflakeTimestampToTime`).
 *
 * The drivers pick a converter from the field metadata `logicalType` (and `scale`, `precision`,
 * `byteLength` for TIMESTAMP_TZ) plus the Arrow physical type, so both must agree with the rowtype.
 */
import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Utf8,
  makeData,
  type Data,
  type DataType,
} from 'apache-arrow';
import type { RowType } from '@snowtrail/protocol';
import { parseDecimalUnscaled, parseWireNanos } from './wire-parse.js';

type Cell = string | null;

/** The Arrow physical layout chosen for one column of one stream. */
interface EncodedColumn {
  field: Field;
  data: Data;
}

const TEN = 10n;

function pow10(n: number): bigint {
  return TEN ** BigInt(n);
}

/** A validity bitmap (bit set = value present), or undefined when nothing is null. */
function validity(cells: Cell[]): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (const c of cells) if (c === null) nullCount++;
  if (nullCount === 0) return { nullBitmap: undefined, nullCount };
  const bitmap = new Uint8Array(Math.ceil(cells.length / 8));
  cells.forEach((c, i) => {
    if (c !== null) bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap: bitmap, nullCount };
}

/** Snowflake's field metadata: every value a string, as in its own answers. */
function metadataOf(rt: RowType, logicalType: string, physicalType: string, extra: Record<string, string> = {}): Map<string, string> {
  const m = new Map<string, string>([
    ['logicalType', logicalType],
    ['physicalType', physicalType],
    ['precision', String(rt.precision ?? 38)],
    ['scale', String(rt.scale ?? 0)],
    ['charLength', String(rt.length ?? 0)],
    ['byteLength', String(rt.byteLength ?? 0)],
    ['finalType', 'T'],
  ]);
  for (const [k, v] of Object.entries(extra)) m.set(k, v);
  return m;
}

function bigintData<T extends DataType>(type: T, values: (bigint | null)[], cells: Cell[], Ctor: BigInt64ArrayConstructor | Int32ArrayConstructor | Int16ArrayConstructor | Int8ArrayConstructor): Data<T> {
  const { nullBitmap, nullCount } = validity(cells);
  const out = new Ctor(values.length);
  values.forEach((v, i) => {
    if (v === null) return;
    (out as unknown as (number | bigint)[])[i] = Ctor === BigInt64Array ? v : Number(v);
  });
  return makeData({ type, length: values.length, nullCount, nullBitmap, data: out } as never) as unknown as Data<T>;
}

/** Two's-complement 128-bit little-endian words of a bigint (Arrow Decimal128). */
function writeInt128(target: Uint32Array, index: number, value: bigint): void {
  let v = BigInt.asUintN(128, value);
  for (let w = 0; w < 4; w++) {
    target[index * 4 + w] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
}

/** Bits of the narrowest integer (8/16/32/64) that holds every value of a FIXED column, 128 beyond. */
export function fixedWidth(rt: RowType, cells: Cell[]): 8 | 16 | 32 | 64 | 128 {
  const scale = rt.scale ?? 0;
  let min = 0n;
  let max = 0n;
  for (const c of cells) {
    if (c === null) continue;
    const v = parseDecimalUnscaled(c, scale);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  for (const bits of [8, 16, 32, 64] as const) if (min >= -(1n << BigInt(bits - 1)) && max < 1n << BigInt(bits - 1)) return bits;
  return 128;
}

/**
 * FIXED: scaled integers in the narrowest of int8/16/32/64 that holds every value of the stream
 * (Snowflake's SB1…SB8), Decimal128 beyond 64 bits (SB16). The drivers divide by 10^scale.
 */
function encodeFixed(rt: RowType, cells: Cell[], width: 8 | 16 | 32 | 64 | 128): EncodedColumn {
  const scale = rt.scale ?? 0;
  const values = cells.map((c) => (c === null ? null : parseDecimalUnscaled(c, scale)));
  const name = rt.name;
  if (width === 8) return { field: new Field(name, new Int8(), true, metadataOf(rt, 'FIXED', 'SB1')), data: bigintData(new Int8(), values, cells, Int8Array) };
  if (width === 16) return { field: new Field(name, new Int16(), true, metadataOf(rt, 'FIXED', 'SB2')), data: bigintData(new Int16(), values, cells, Int16Array) };
  if (width === 32) return { field: new Field(name, new Int32(), true, metadataOf(rt, 'FIXED', 'SB4')), data: bigintData(new Int32(), values, cells, Int32Array) };
  if (width === 64) return { field: new Field(name, new Int64(), true, metadataOf(rt, 'FIXED', 'SB8')), data: bigintData(new Int64(), values, cells, BigInt64Array) };
  const type = new Decimal(scale, rt.precision ?? 38, 128);
  const words = new Uint32Array(values.length * 4);
  values.forEach((v, i) => {
    if (v !== null) writeInt128(words, i, v);
  });
  const { nullBitmap, nullCount } = validity(cells);
  return { field: new Field(name, type, true, metadataOf(rt, 'FIXED', 'SB16')), data: makeData({ type, length: values.length, nullCount, nullBitmap, data: words } as never) };
}

function encodeReal(rt: RowType, cells: Cell[]): EncodedColumn {
  const type = new Float64();
  const data = new Float64Array(cells.length);
  cells.forEach((c, i) => {
    if (c !== null) data[i] = Number(c);
  });
  const { nullBitmap, nullCount } = validity(cells);
  return { field: new Field(rt.name, type, true, metadataOf(rt, 'REAL', 'DOUBLE')), data: makeData({ type, length: cells.length, nullCount, nullBitmap, data }) };
}

function bytesData<T extends Utf8 | Binary>(type: T, parts: (Uint8Array | null)[], cells: Cell[]): Data<T> {
  const offsets = new Int32Array(parts.length + 1);
  let total = 0;
  parts.forEach((p, i) => {
    total += p?.length ?? 0;
    offsets[i + 1] = total;
  });
  const data = new Uint8Array(total);
  parts.forEach((p, i) => {
    if (p) data.set(p, offsets[i]!);
  });
  const { nullBitmap, nullCount } = validity(cells);
  return makeData({ type, length: parts.length, nullCount, nullBitmap, valueOffsets: offsets, data } as never) as unknown as Data<T>;
}

function encodeText(rt: RowType, cells: Cell[], logicalType: string): EncodedColumn {
  const parts = cells.map((c) => (c === null ? null : Buffer.from(c, 'utf8')));
  return { field: new Field(rt.name, new Utf8(), true, metadataOf(rt, logicalType, 'LOB')), data: bytesData(new Utf8(), parts, cells) };
}

function encodeBinary(rt: RowType, cells: Cell[]): EncodedColumn {
  const parts = cells.map((c) => (c === null ? null : Buffer.from(c, 'hex')));
  return { field: new Field(rt.name, new Binary(), true, metadataOf(rt, 'BINARY', 'LOB')), data: bytesData(new Binary(), parts, cells) };
}

function encodeBoolean(rt: RowType, cells: Cell[]): EncodedColumn {
  const type = new Bool();
  const bits = new Uint8Array(Math.ceil(cells.length / 8));
  cells.forEach((c, i) => {
    if (c === '1' || c === 'true') bits[i >> 3]! |= 1 << (i & 7);
  });
  const { nullBitmap, nullCount } = validity(cells);
  return { field: new Field(rt.name, type, true, metadataOf(rt, 'BOOLEAN', 'SB1')), data: makeData({ type, length: cells.length, nullCount, nullBitmap, data: bits }) };
}

function encodeDate(rt: RowType, cells: Cell[]): EncodedColumn {
  const type = new DateDay();
  const days = new Int32Array(cells.length);
  cells.forEach((c, i) => {
    if (c !== null) days[i] = Number(c);
  });
  const { nullBitmap, nullCount } = validity(cells);
  return { field: new Field(rt.name, type, true, metadataOf(rt, 'DATE', 'SB4')), data: makeData({ type, length: cells.length, nullCount, nullBitmap, data: days }) };
}

/** Scaled value of wire nanoseconds at a scale 0…9 (floor division, as the drivers reverse it). */
function scaleNanos(nanos: bigint, scale: number): bigint {
  const d = pow10(9 - scale);
  const q = nanos / d;
  return nanos % d !== 0n && nanos < 0n ? q - 1n : q;
}

/** TIME: time of day scaled by `scale`, int32 up to scale 4 (SB4), int64 beyond (SB8). */
function encodeTime(rt: RowType, cells: Cell[]): EncodedColumn {
  const scale = rt.scale ?? 9;
  const values = cells.map((c) => (c === null ? null : scaleNanos(parseWireNanos(c), scale)));
  if (scale <= 4) return { field: new Field(rt.name, new Int32(), true, metadataOf(rt, 'TIME', 'SB4')), data: bigintData(new Int32(), values, cells, Int32Array) };
  return { field: new Field(rt.name, new Int64(), true, metadataOf(rt, 'TIME', 'SB8')), data: bigintData(new Int64(), values, cells, BigInt64Array) };
}

function epochFractionStruct(nanos: (bigint | null)[], cells: Cell[], extraChild?: { name: string; values: (bigint | null)[] }): { type: Struct; data: Data<Struct> } {
  const epochs = nanos.map((n) => (n === null ? null : scaleNanos(n, 0)));
  const fractions = nanos.map((n, i) => (n === null ? null : n - epochs[i]! * 1_000_000_000n));
  const children: Data[] = [bigintData(new Int64(), epochs, cells, BigInt64Array), bigintData(new Int32(), fractions, cells, Int32Array)];
  const fields = [new Field('epoch', new Int64(), true), new Field('fraction', new Int32(), true)];
  if (extraChild) {
    children.push(bigintData(new Int32(), extraChild.values, cells, Int32Array));
    fields.push(new Field(extraChild.name, new Int32(), true));
  }
  const type = new Struct(fields);
  const { nullBitmap, nullCount } = validity(cells);
  return { type, data: makeData({ type, length: cells.length, nullCount, nullBitmap, children }) };
}

/**
 * TIMESTAMP_NTZ / TIMESTAMP_LTZ: up to scale 7 one int64 of epoch units scaled by `scale` (SB8);
 * beyond, a struct of `epoch` seconds (int64) and `fraction` nanoseconds (int32) (SB16), which is
 * what keeps nanosecond values outside ±292 years representable.
 */
function encodeTimestamp(rt: RowType, cells: Cell[], logicalType: 'TIMESTAMP_NTZ' | 'TIMESTAMP_LTZ'): EncodedColumn {
  const scale = rt.scale ?? 9;
  const nanos = cells.map((c) => (c === null ? null : parseWireNanos(c)));
  if (scale <= 7) {
    const values = nanos.map((n) => (n === null ? null : scaleNanos(n, scale)));
    return { field: new Field(rt.name, new Int64(), true, metadataOf(rt, logicalType, 'SB8')), data: bigintData(new Int64(), values, cells, BigInt64Array) };
  }
  const { type, data } = epochFractionStruct(nanos, cells);
  return { field: new Field(rt.name, type, true, metadataOf(rt, logicalType, 'SB16')), data };
}

/**
 * TIMESTAMP_TZ: cells `"<secs.frac> <offsetMinutes+1440>"`. Up to scale 3 a struct of `epoch`
 * (int64 scaled) and `timezone` (int32), byteLength 8; beyond, `epoch` seconds, `fraction`
 * nanoseconds and `timezone`, byteLength 16 (the Python connector picks the layout by byteLength).
 */
function encodeTimestampTz(rt: RowType, cells: Cell[]): EncodedColumn {
  const scale = rt.scale ?? 9;
  const parsed = cells.map((c) => {
    if (c === null) return null;
    const [instant, tz] = c.split(' ');
    return { nanos: parseWireNanos(instant!), tz: BigInt(tz ?? '1440') };
  });
  const nanos = parsed.map((p) => p?.nanos ?? null);
  const tzs = parsed.map((p) => p?.tz ?? null);
  if (scale <= 3) {
    const epochs = nanos.map((n) => (n === null ? null : scaleNanos(n, scale)));
    const fields = [new Field('epoch', new Int64(), true), new Field('timezone', new Int32(), true)];
    const type = new Struct(fields);
    const { nullBitmap, nullCount } = validity(cells);
    const data = makeData({ type, length: cells.length, nullCount, nullBitmap, children: [bigintData(new Int64(), epochs, cells, BigInt64Array), bigintData(new Int32(), tzs, cells, Int32Array)] });
    return { field: new Field(rt.name, type, true, metadataOf(rt, 'TIMESTAMP_TZ', 'SB16', { byteLength: '8' })), data };
  }
  const { type, data } = epochFractionStruct(nanos, cells, { name: 'timezone', values: tzs });
  return { field: new Field(rt.name, type, true, metadataOf(rt, 'TIMESTAMP_TZ', 'SB16', { byteLength: '16' })), data };
}

/** Encodes one column's cells by its Snowflake type (FIXED at `width`, default: the narrowest for these cells). */
export function encodeColumn(rt: RowType, cells: Cell[], width?: 8 | 16 | 32 | 64 | 128): EncodedColumn {
  switch (rt.type.toLowerCase()) {
    case 'fixed':
      return encodeFixed(rt, cells, width ?? fixedWidth(rt, cells));
    case 'real':
      return encodeReal(rt, cells);
    case 'boolean':
      return encodeBoolean(rt, cells);
    case 'date':
      return encodeDate(rt, cells);
    case 'time':
      return encodeTime(rt, cells);
    case 'timestamp_ntz':
      return encodeTimestamp(rt, cells, 'TIMESTAMP_NTZ');
    case 'timestamp_ltz':
      return encodeTimestamp(rt, cells, 'TIMESTAMP_LTZ');
    case 'timestamp_tz':
      return encodeTimestampTz(rt, cells);
    case 'binary':
      return encodeBinary(rt, cells);
    case 'variant':
      return encodeText(rt, cells, 'VARIANT');
    case 'object':
      return encodeText(rt, cells, 'OBJECT');
    case 'array':
      return encodeText(rt, cells, 'ARRAY');
    default:
      return encodeText(rt, cells, 'TEXT');
  }
}

/**
 * Record-batch sizes for `n` rows, each odd. apache-arrow's IPC writer pads every buffer to 8 bytes
 * and records the padded size; an even batch length leaves one zero offset after a string column's
 * length + 1 offsets, which the Python connector's nanoarrow reader validates as a negative element
 * size ("Expected element size >= 0"). An odd length makes the offsets fill whole 8-byte words.
 */
export function oddBatchSizes(n: number): number[] {
  if (n === 0) return [];
  return n % 2 === 1 ? [n] : [n - 1, 1];
}

/** One Arrow IPC stream (schema + record batches) of rows, as a result chunk or `rowsetBase64`. */
export function encodeArrowStream(rowtype: RowType[], rows: Cell[][]): Buffer {
  // FIXED widths are chosen over the whole stream: every batch of a stream has the same schema.
  const widths = rowtype.map((rt, c) => (rt.type.toLowerCase() === 'fixed' ? fixedWidth(rt, rows.map((r) => r[c] ?? null)) : undefined));
  let schema: Schema | undefined;
  const batches: RecordBatch[] = [];
  let start = 0;
  for (const size of rows.length === 0 ? [0] : oddBatchSizes(rows.length)) {
    const slice = rows.slice(start, start + size);
    start += size;
    const columns = rowtype.map((rt, c) => encodeColumn(rt, slice.map((r) => r[c] ?? null), widths[c]));
    schema ??= new Schema(columns.map((col) => col.field));
    batches.push(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: size, nullCount: 0, children: columns.map((col) => col.data) })));
  }
  return Buffer.from(RecordBatchStreamWriter.writeAll(batches).toUint8Array(true));
}
