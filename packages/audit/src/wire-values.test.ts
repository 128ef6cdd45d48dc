import { describe, expect, it } from '@jest/globals';
import { columnsFromRowtype, formatCell } from './wire-values.js';

describe('wire cells made readable by their column type', () => {
  it('shows timestamps, dates and times instead of raw wire numbers', () => {
    expect(formatCell('1793491201.000000000', { name: 'T', type: 'timestamp_ntz', scale: 9 })).toBe('2026-11-01 00:00:01.000000000');
    expect(formatCell('1793491201.123', { name: 'T', type: 'timestamp_ltz', scale: 3 })).toBe('2026-11-01 00:00:01.123 Z');
    expect(formatCell('1704067200.000000000 1500', { name: 'T', type: 'timestamp_tz', scale: 9 })).toBe('2024-01-01 01:00:00.000000000 +01:00');
    expect(formatCell('1704067200 1140', { name: 'T', type: 'timestamp_tz', scale: 0 })).toBe('2023-12-31 19:00:00 -05:00');
    expect(formatCell('19723', { name: 'D', type: 'date' })).toBe('2024-01-01');
    expect(formatCell('-1', { name: 'D', type: 'date' })).toBe('1969-12-31');
    expect(formatCell('3723.500000000', { name: 'T', type: 'time', scale: 9 })).toBe('01:02:03.500000000');
    expect(formatCell('1', { name: 'B', type: 'boolean' })).toBe('true');
    expect(formatCell('0', { name: 'B', type: 'boolean' })).toBe('false');
  });

  it('counts a negative epoch with a fraction back from the whole second before it', () => {
    expect(formatCell('-1.250000000', { name: 'T', type: 'timestamp_ntz', scale: 9 })).toBe('1969-12-31 23:59:58.750000000');
  });

  it('leaves other types, NULLs and values that do not fit their type as sent', () => {
    expect(formatCell(null, { name: 'X', type: 'timestamp_ntz' })).toBe('NULL');
    expect(formatCell('12.30', { name: 'N', type: 'fixed', scale: 2 })).toBe('12.30');
    expect(formatCell('not a time', { name: 'T', type: 'timestamp_ntz' })).toBe('not a time');
    expect(formatCell('=cmd|calc', { name: 'S', type: 'text' })).toBe('=cmd|calc');
    expect(formatCell('1793491201.000000000')).toBe('1793491201.000000000');
  });

  it('reads column names and types from rowtype, lower-casing the type', () => {
    expect(columnsFromRowtype([{ name: 'T', type: 'TIMESTAMP_NTZ', scale: 9, precision: 0 }, {}])).toEqual([{ name: 'T', type: 'timestamp_ntz', scale: 9, precision: 0 }, { name: 'COLUMN2' }]);
    expect(columnsFromRowtype('nope')).toEqual([]);
  });
});
