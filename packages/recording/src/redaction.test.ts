import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { compileRedaction, JsonRowsRedactor, redactInlineAnswer, REDACTED_VALUE } from './redaction.js';

describe('redaction', () => {
  it('matches column names case-insensitively with * globs', () => {
    const m = compileRedaction(['*ssn*', 'email'])!;
    expect(['CUSTOMER_SSN', 'ssn', 'Email', 'EMAIL_2', 'ID'].map(m)).toEqual([true, true, true, false, false]);
    expect(compileRedaction([])).toBeUndefined();
  });

  it('masks non-null cells of matching columns in an inline answer, gzip or not', () => {
    const answer = { data: { rowtype: [{ name: 'ID' }, { name: 'EMAIL' }], rowset: [['1', 'a@b.c'], ['2', null]] }, success: true };
    for (const [bytes, compression] of [[Buffer.from(JSON.stringify(answer)), 'none'], [gzipSync(JSON.stringify(answer)), 'gzip']] as const) {
      const r = redactInlineAnswer(bytes, compression, compileRedaction(['email']), ['email']);
      expect(JSON.parse(r.bytes.toString()).data.rowset).toEqual([['1', REDACTED_VALUE], ['2', null]]);
      expect(r.storedCompression).toBe('none');
      expect(r.redaction).toEqual({ columns: ['EMAIL'], method: 'replace', replacement: REDACTED_VALUE, patterns: ['email'] });
    }
  });

  it('masks the matching columns of an Arrow inline answer (decoded, re-encoded), leaves the others and nulls as they were', () => {
    const ipc = tableToIPC(tableFromArrays({ ID: Int32Array.from([1, 2, 3]), EMAIL: ['a@b.c', null, 'd@e.f'] }), 'stream');
    const answer = { data: { rowtype: [{ name: 'ID' }, { name: 'EMAIL' }], rowsetBase64: Buffer.from(ipc).toString('base64') } };
    const r = redactInlineAnswer(Buffer.from(JSON.stringify(answer)), 'none', compileRedaction(['email']), ['email']);
    expect(r.redaction).toEqual({ columns: ['EMAIL'], method: 'replace', replacement: REDACTED_VALUE, patterns: ['email'] });
    const stored = JSON.parse(r.bytes.toString()) as { data: { rowsetBase64: string } };
    expect(r.bytes.toString()).not.toContain('a@b.c');
    const table = tableFromIPC(Buffer.from(stored.data.rowsetBase64, 'base64'));
    expect(table.toArray().map((row) => row.toJSON())).toEqual([
      { ID: 1, EMAIL: REDACTED_VALUE },
      { ID: 2, EMAIL: null },
      { ID: 3, EMAIL: REDACTED_VALUE },
    ]);
  });

  it('withholds an Arrow inline answer it cannot decode (never stores it unmasked), and leaves non-matching answers byte for byte', () => {
    const arrow = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'EMAIL' }], rowsetBase64: 'QUJD' } }));
    const r = redactInlineAnswer(arrow, 'none', compileRedaction(['email']), ['email']);
    expect(r.redaction?.method).toBe('withheld');
    expect(r.bytes.toString()).not.toContain('QUJD');
    const plain = Buffer.from('{"data":{"rowtype":[{"name":"ID"}],"rowset":[["1"]]}}');
    expect(redactInlineAnswer(plain, 'none', compileRedaction(['email']), ['email']).bytes).toBe(plain);
  });

  it('redacts a chunk body streamed in pieces split anywhere, escapes included', () => {
    const body = '["1","sec\\"ret","x"],["2",null,"y"],["3","é,[]","z"]';
    const expected = `["1","${REDACTED_VALUE}","x"],["2",null,"y"],["3","${REDACTED_VALUE}","z"]`;
    const bytes = Buffer.from(body);
    for (let split = 1; split < bytes.length; split++) {
      const r = new JsonRowsRedactor([1]);
      expect(Buffer.concat([r.push(bytes.subarray(0, split)), r.push(bytes.subarray(split))]).toString()).toBe(expected);
    }
  });
});
