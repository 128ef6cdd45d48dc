import { describe, expect, it } from '@jest/globals';
import { tableFromIPC, Type } from 'apache-arrow';
import type { RowType } from '@snowtrail/protocol';
import { encodeArrowStream, oddBatchSizes } from './arrow-encode.js';
import { parseDecimalUnscaled, parseWireNanos } from './wire-parse.js';
import { formatNanos } from '../sql/encode.js';

function rt(name: string, type: string, precision: number | null = null, scale: number | null = null, byteLength: number | null = null): RowType {
  return { name, database: '', schema: '', table: '', nullable: true, byteLength, length: byteLength, type, scale, precision, collation: null };
}

/** Decodes one column: its Arrow type id, field metadata and JS values. */
function decode(col: RowType, cells: (string | null)[]) {
  const table = tableFromIPC(encodeArrowStream([col], cells.map((c) => [c])));
  const field = table.schema.fields[0]!;
  const vector = table.getChildAt(0)!;
  return { typeId: field.type.typeId as Type, metadata: Object.fromEntries(field.metadata), values: [...vector].map((v: unknown) => v), field };
}

describe('wire parsing', () => {
  it('reads decimals back at a scale', () => {
    expect(parseDecimalUnscaled('12.34', 2)).toBe(1234n);
    expect(parseDecimalUnscaled('-0.05', 2)).toBe(-5n);
    expect(parseDecimalUnscaled('42', 3)).toBe(42000n);
  });

  it('reads time/timestamp cells back to the nanoseconds encode.ts wrote, before 1970 too (a plain signed decimal)', () => {
    expect(formatNanos(-1_500_000_000n)).toBe('-1.500000000');
    for (const n of [0n, 1n, 1_500_000_000n, -1n, -1_500_000_000n, -86_400_000_000_000n, 1_704_067_200_123_456_789n]) {
      expect(parseWireNanos(formatNanos(n))).toBe(n);
    }
  });
});

describe('Arrow answers per logical type, as the drivers read them', () => {
  it('FIXED scale 0: the narrowest integer that holds the values, Decimal128 past 64 bits', () => {
    expect(decode(rt('A', 'fixed', 38, 0), ['1', '-128', null]).typeId).toBe(Type.Int);
    expect(decode(rt('A', 'fixed', 38, 0), ['1', '-128', null]).field.type.bitWidth).toBe(8);
    expect(decode(rt('A', 'fixed', 38, 0), ['300']).field.type.bitWidth).toBe(16);
    expect(decode(rt('A', 'fixed', 38, 0), ['70000']).field.type.bitWidth).toBe(32);
    const big = decode(rt('A', 'fixed', 38, 0), ['9007199254740993']);
    expect(big.field.type.bitWidth).toBe(64);
    expect(big.values).toEqual([9007199254740993n]);
    const huge = decode(rt('A', 'fixed', 38, 0), ['123456789012345678901234567890', '-5']);
    expect(huge.typeId).toBe(Type.Decimal);
    expect(huge.metadata).toMatchObject({ logicalType: 'FIXED', precision: '38', scale: '0', physicalType: 'SB16' });
    expect(huge.values.map(String)).toEqual(['123456789012345678901234567890', '-5']);
    expect(decode(rt('A', 'fixed', 38, 0), ['1', null]).values).toEqual([1, null]);
  });

  it('FIXED with a scale: scaled integers, the scale in the metadata', () => {
    const d = decode(rt('D', 'fixed', 10, 2), ['123.45', '-0.05', null]);
    expect(d.field.type.bitWidth).toBe(16);
    expect(d.values).toEqual([12345, -5, null]);
    expect(d.metadata).toMatchObject({ logicalType: 'FIXED', precision: '10', scale: '2' });
  });

  it('REAL, TEXT, BOOLEAN, BINARY, DATE', () => {
    expect(decode(rt('R', 'real'), ['1.5', '-0', null]).values).toEqual([1.5, -0, null]);
    expect(decode(rt('R', 'real'), ['1.5']).metadata.logicalType).toBe('REAL');
    const t = decode(rt('T', 'text', null, null, 16777216), ['héllo', '', null]);
    expect(t.typeId).toBe(Type.Utf8);
    expect(t.values).toEqual(['héllo', '', null]);
    expect(t.metadata).toMatchObject({ logicalType: 'TEXT', charLength: '16777216' });
    expect(decode(rt('B', 'boolean'), ['1', '0', null]).values).toEqual([true, false, null]);
    const bin = decode(rt('X', 'binary'), ['CAFE00', null]);
    expect(bin.typeId).toBe(Type.Binary);
    expect(Buffer.from(bin.values[0] as Uint8Array).toString('hex')).toBe('cafe00');
    const date = decode(rt('D', 'date'), ['19723', '-1', null]);
    expect(date.typeId).toBe(Type.Date);
    expect(date.values.map((v) => (v === null ? null : new Date(v as number).toISOString().slice(0, 10)))).toEqual(['2024-01-01', '1969-12-31', null]);
  });

  it('VARIANT, OBJECT and ARRAY are their JSON text', () => {
    for (const [type, logical] of [['variant', 'VARIANT'], ['object', 'OBJECT'], ['array', 'ARRAY']] as const) {
      const v = decode(rt('V', type), ['{\n  "a": 1\n}', null]);
      expect(v.typeId).toBe(Type.Utf8);
      expect(v.metadata.logicalType).toBe(logical);
      expect(v.values).toEqual(['{\n  "a": 1\n}', null]);
    }
  });

  it('TIME: int64 nanoseconds at scale 9, int32 at scale ≤ 4', () => {
    const t9 = decode(rt('T', 'time', 0, 9), ['3723.000000001', null]);
    expect(t9.field.type.bitWidth).toBe(64);
    expect(t9.values).toEqual([3_723_000_000_001n, null]);
    const t3 = decode(rt('T', 'time', 0, 3), ['3723.123000000']);
    expect(t3.field.type.bitWidth).toBe(32);
    expect(t3.values).toEqual([3_723_123]);
  });

  it('TIMESTAMP_NTZ/LTZ: a struct of epoch seconds and nanosecond fraction at scale 9, one scaled int64 at scale ≤ 7', () => {
    const ntz = decode(rt('TS', 'timestamp_ntz', 0, 9), ['1704067200.123456789', '-1.500000000', null]);
    expect(ntz.typeId).toBe(Type.Struct);
    expect(ntz.field.type.children.map((f: { name: string }) => f.name)).toEqual(['epoch', 'fraction']);
    expect(ntz.values.map((v) => (v === null ? null : (v as { toJSON(): unknown }).toJSON()))).toEqual([
      { epoch: 1_704_067_200n, fraction: 123_456_789 },
      // -1.5 s: the floor second and a positive fraction, as the drivers add them.
      { epoch: -2n, fraction: 500_000_000 },
      null,
    ]);
    expect(ntz.metadata).toMatchObject({ logicalType: 'TIMESTAMP_NTZ', scale: '9' });
    const ltz3 = decode(rt('TS', 'timestamp_ltz', 0, 3), ['1704067200.123000000', '-1.500000000']);
    expect(ltz3.typeId).toBe(Type.Int);
    expect(ltz3.values).toEqual([1_704_067_200_123n, -1_500n]);
    expect(ltz3.metadata.logicalType).toBe('TIMESTAMP_LTZ');
  });

  it('TIMESTAMP_TZ: epoch + timezone (byteLength 8) at scale ≤ 3, epoch + fraction + timezone (16) beyond', () => {
    const tz9 = decode(rt('Z', 'timestamp_tz', 0, 9), ['1704067200.000000005 1500']);
    expect(tz9.field.type.children.map((f: { name: string }) => f.name)).toEqual(['epoch', 'fraction', 'timezone']);
    expect(tz9.metadata.byteLength).toBe('16');
    expect((tz9.values[0] as { toJSON(): unknown }).toJSON()).toEqual({ epoch: 1_704_067_200n, fraction: 5, timezone: 1500 });
    const tz3 = decode(rt('Z', 'timestamp_tz', 0, 3), ['1704067200.250000000 1380']);
    expect(tz3.metadata.byteLength).toBe('8');
    expect((tz3.values[0] as { toJSON(): unknown }).toJSON()).toEqual({ epoch: 1_704_067_200_250n, timezone: 1380 });
  });

  it('carries several columns and zero rows', () => {
    const table = tableFromIPC(encodeArrowStream([rt('A', 'fixed', 38, 0), rt('B', 'text')], []));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['A', 'B']);
  });

  it('splits a stream into odd-length batches (no zero-padded string offsets for nanoarrow to reject), one FIXED width for all', () => {
    expect([0, 1, 2, 7, 8].map(oddBatchSizes)).toEqual([[], [1], [1, 1], [7], [7, 1]]);
    const table = tableFromIPC(encodeArrowStream([rt('A', 'fixed', 38, 0), rt('T', 'text')], [['1', 'a'], ['2', 'b'], ['3', 'c'], ['300', null]]));
    expect(table.batches.map((b) => b.numRows)).toEqual([3, 1]);
    expect(table.schema.fields[0]!.type.bitWidth).toBe(16);
    expect(table.toArray().map((r) => r.toJSON())).toEqual([{ A: 1, T: 'a' }, { A: 2, T: 'b' }, { A: 3, T: 'c' }, { A: 300, T: null }]);
  });
});

