import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { Binary, Bool, DateDay, Decimal, Field, Float64, Int16, Int32, Int64, makeData, makeVector, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import type { RecordingEvent, SessionRecord } from '@snowtrail/recording';
import { readArrowStream, scaledToDecimal } from './arrow.js';
import { renderStatementResults } from './render.js';
import { passSession } from './session-pass.js';
import { formatCell } from './wire-values.js';

const meta = (logicalType: string, extra: Record<string, string> = {}): Map<string, string> => new Map(Object.entries({ logicalType, ...extra }));
const ntzStruct = new Struct([new Field('epoch', new Int64()), new Field('fraction', new Int32())]);
const tz2 = new Struct([new Field('epoch', new Int64()), new Field('timezone', new Int32())]);
const tz3 = new Struct([new Field('epoch', new Int64()), new Field('fraction', new Int32()), new Field('timezone', new Int32())]);
const dec = new Decimal(2, 38, 128);

/** Decimal128 cells from bigints (two's complement, little-endian 32-bit words). */
function decimals(values: (bigint | null)[]): Vector {
  const words = new Uint32Array(values.length * 4);
  const valid = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v === null) return;
    valid[i >> 3]! |= 1 << (i & 7);
    let x = BigInt.asUintN(128, v);
    for (let w = 0; w < 4; w++, x >>= 32n) words[i * 4 + w] = Number(x & 0xffffffffn);
  });
  return makeVector(makeData({ type: dec, length: values.length, nullCount: values.filter((v) => v === null).length, nullBitmap: valid, data: words }));
}

/** An Arrow IPC stream with Snowflake's field metadata, as Snowflake sends a chunk. */
function ipc(columns: { name: string; type: DataType; meta: Map<string, string>; values: Vector }[]): Uint8Array {
  const fields = columns.map((c) => new Field(c.name, c.type, true, c.meta));
  const length = columns[0]!.values.length;
  const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length, children: columns.map((c) => c.values.data[0]!) }));
  return tableToIPC(new Table([batch]), 'stream');
}

const days = (iso: string): Date => new Date(`${iso}T00:00:00Z`);

function sample(): Uint8Array {
  return ipc([
    { name: 'AMOUNT', type: new Int64(), meta: meta('FIXED', { scale: '2', precision: '18' }), values: vectorFromArray([12345n, -5n, null], new Int64()) },
    { name: 'SMALL', type: new Int16(), meta: meta('FIXED', { scale: '0', precision: '4' }), values: vectorFromArray([7, -7, 0], new Int16()) },
    { name: 'BIG', type: dec, meta: meta('FIXED', { scale: '2', precision: '38' }), values: decimals([123456789012345678901234567890n, -1n, null]) },
    { name: 'RATIO', type: new Float64(), meta: meta('REAL'), values: vectorFromArray([1.5, -0.25, null], new Float64()) },
    { name: 'NAME', type: new Utf8(), meta: meta('TEXT'), values: vectorFromArray(['ann', '=HYPERLINK("x")', null], new Utf8()) },
    { name: 'OK', type: new Bool(), meta: meta('BOOLEAN'), values: vectorFromArray([true, false, null], new Bool()) },
    { name: 'D', type: new DateDay(), meta: meta('DATE'), values: vectorFromArray([days('2024-01-01'), days('1969-12-31'), null], new DateDay()) },
    { name: 'T', type: new Int64(), meta: meta('TIME', { scale: '3' }), values: vectorFromArray([3723500n, 0n, null], new Int64()) },
    { name: 'NTZ', type: new Int64(), meta: meta('TIMESTAMP_NTZ', { scale: '3' }), values: vectorFromArray([1793491201123n, -1250n, null], new Int64()) },
    { name: 'NTZ9', type: ntzStruct, meta: meta('TIMESTAMP_NTZ', { scale: '9' }), values: vectorFromArray([{ epoch: 1704067200n, fraction: 123456789 }, { epoch: 0n, fraction: 1 }, null], ntzStruct) },
    { name: 'LTZ', type: ntzStruct, meta: meta('TIMESTAMP_LTZ', { scale: '6' }), values: vectorFromArray([{ epoch: 1704067200n, fraction: 500000000 }, { epoch: 1n, fraction: 0 }, null], ntzStruct) },
    { name: 'TZ3', type: tz2, meta: meta('TIMESTAMP_TZ', { scale: '3' }), values: vectorFromArray([{ epoch: 1704067200500n, timezone: 1500 }, { epoch: 0n, timezone: 1140 }, null], tz2) },
    { name: 'TZ9', type: tz3, meta: meta('TIMESTAMP_TZ', { scale: '9' }), values: vectorFromArray([{ epoch: 1704067200n, fraction: 7, timezone: 1440 }, { epoch: 0n, fraction: 0, timezone: 2880 }, null], tz3) },
    { name: 'BIN', type: new Binary(), meta: meta('BINARY'), values: vectorFromArray([Uint8Array.from([0xca, 0xfe]), new Uint8Array(0), null], new Binary()) },
    { name: 'V', type: new Utf8(), meta: meta('VARIANT'), values: vectorFromArray(['{\n  "a": 1\n}', '[1,2]', null], new Utf8()) },
  ]);
}

describe('Arrow results decoded with Snowflake field metadata', () => {
  it('turns each logical type into the wire string Snowflake would send as JSON', () => {
    const { columns, rows } = readArrowStream(sample());
    expect(columns.map((c) => `${c.name}:${c.type}:${c.scale ?? ''}`)).toEqual(['AMOUNT:fixed:2', 'SMALL:fixed:0', 'BIG:fixed:2', 'RATIO:real:', 'NAME:text:', 'OK:boolean:', 'D:date:', 'T:time:3', 'NTZ:timestamp_ntz:3', 'NTZ9:timestamp_ntz:9', 'LTZ:timestamp_ltz:6', 'TZ3:timestamp_tz:3', 'TZ9:timestamp_tz:9', 'BIN:binary:', 'V:variant:']);
    expect([...rows]).toEqual([
      ['123.45', '7', '1234567890123456789012345678.90', '1.5', 'ann', '1', '19723', '3723.500', '1793491201.123', '1704067200.123456789', '1704067200.500000', '1704067200.500 1500', '1704067200.000000007 1440', 'CAFE', '{\n  "a": 1\n}'],
      ['-0.05', '-7', '-0.01', '-0.25', '=HYPERLINK("x")', '0', '-1', '0.000', '-1.250', '0.000000001', '1.000000', '0.000 1140', '0.000000000 2880', '', '[1,2]'],
      [null, '0', null, null, null, null, null, null, null, null, null, null, null, null, null],
    ]);
  });

  it('shows them readable: decimals scaled, timestamps and dates in ISO form with their zone', () => {
    const { columns, rows } = readArrowStream(sample());
    const first = [...rows][0]!.map((c, i) => formatCell(c, columns[i]));
    expect(first).toEqual(['123.45', '7', '1234567890123456789012345678.90', '1.5', 'ann', 'true', '2024-01-01', '01:02:03.500', '2026-11-01 00:00:01.123', '2024-01-01 00:00:00.123456789', '2024-01-01 00:00:00.500000 Z', '2024-01-01 01:00:00.500 +01:00', '2024-01-01 00:00:00.000000007 +00:00', 'CAFE', '{\n  "a": 1\n}']);
  });

  it('scales integers exactly, without going through floating point', () => {
    expect(scaledToDecimal(99999999999999999999n, 2)).toBe('999999999999999999.99');
    expect(scaledToDecimal(-5n, 3)).toBe('-0.005');
    expect(scaledToDecimal(42n, 0)).toBe('42');
  });

  it('show --results prints an Arrow inline answer and a gzip Arrow chunk streamed in pieces, row by row and readable', async () => {
    const head = ipc([
      { name: 'ID', type: new Int64(), meta: meta('FIXED', { scale: '0' }), values: vectorFromArray([1n], new Int64()) },
      { name: 'AT', type: ntzStruct, meta: meta('TIMESTAMP_NTZ', { scale: '9' }), values: vectorFromArray([{ epoch: 1793491201n, fraction: 0 }], ntzStruct) },
    ]);
    const chunk = gzipSync(
      ipc([
        { name: 'ID', type: new Int64(), meta: meta('FIXED', { scale: '0' }), values: vectorFromArray([2n, 3n], new Int64()) },
        { name: 'AT', type: ntzStruct, meta: meta('TIMESTAMP_NTZ', { scale: '9' }), values: vectorFromArray([{ epoch: 1793491202n, fraction: 0 }, null], ntzStruct) },
      ]),
    );
    const answer = Buffer.from(JSON.stringify({ data: { queryResultFormat: 'arrow', rowtype: [{ name: 'ID', type: 'fixed' }, { name: 'AT', type: 'timestamp_ntz', scale: 9 }], rowsetBase64: Buffer.from(head).toString('base64') } }));
    let seq = 0;
    const ev = (type: RecordingEvent['type'], data: Record<string, unknown>): SessionRecord => ({ kind: 'event', event: { version: 1, sessionId: 'S', seq: seq++, time: '2026-11-26T12:00:00.000Z', type, prevHash: '0'.repeat(64), data } });
    const records: SessionRecord[] = [
      ev('query', { requestId: 'r1', sqlText: 'select id, at from t', statements: [{ class: 'SELECT', reads: ['T'], writes: [] }], decision: 'allow' }),
      ev('result', { partId: 'p1', querySeq: 0, requestId: 'r1', part: 'inline', format: 'arrow', compression: 'none', streamed: false, base64: answer.toString('base64') }),
      ev('result', { partId: 'p2', querySeq: 0, requestId: 'r1', part: 'chunk:0', format: 'arrow', compression: 'gzip', streamed: true }),
      ev('result.data', { partId: 'p2', offset: 0, bytes: 20, base64: chunk.subarray(0, 20).toString('base64') }),
      ev('result.data', { partId: 'p2', offset: 20, bytes: chunk.length - 20, base64: chunk.subarray(20).toString('base64') }),
      ev('result.end', { partId: 'p2', bytes: chunk.length, sha256: 'a'.repeat(64), clientBytes: chunk.length, clientSha256: 'a'.repeat(64) }),
    ];
    const pass = await passSession((async function* () { yield* records; })(), { results: true, maxRows: 20 });
    const text = renderStatementResults([{ seq: 0, sqlText: 'select id, at from t' }], pass);
    expect(text).toBe(['', '#0 select id, at from t — 3 row(s)', 'ID  AT', '1   2026-11-01 00:00:01.000000000', '2   2026-11-01 00:00:02.000000000', '3   NULL', ''].join('\n'));
  });
});
