import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { collectResultParts, decodeResultPart, rowsOfStatement, type RecordedPart } from './results.js';
import { decodeResultPartBatches } from './part-rows.js';
import { bindsFromRecorded, diffRows } from './replay.js';
import type { RecordingEvent } from '@snowtrail/recording';

const ev = (seq: number, type: RecordingEvent['type'], data: Record<string, unknown>): RecordingEvent => ({ version: 1, sessionId: 'S', seq, time: '2026-11-26T12:00:00.000Z', type, prevHash: '', data });

describe('recorded results', () => {
  it('decodes an Arrow inline answer (rowsetBase64) and gzip Arrow chunks streamed in pieces', () => {
    const first = tableToIPC(tableFromArrays({ ID: Int32Array.from([1, 2]), NAME: ['a', 'b'] }), 'stream');
    const chunk = gzipSync(tableToIPC(tableFromArrays({ ID: Int32Array.from([3]), NAME: ['c'] }), 'stream'));
    const answer = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'ID' }, { name: 'NAME' }], rowsetBase64: Buffer.from(first).toString('base64'), queryResultFormat: 'arrow' } }));
    const events = [
      ev(1, 'result', { partId: 'p1', querySeq: 0, part: 'inline', format: 'arrow', compression: 'none', streamed: false, base64: answer.toString('base64') }),
      ev(2, 'result', { partId: 'p2', querySeq: 0, part: 'chunk:0', format: 'arrow', compression: 'gzip', streamed: true }),
      ev(3, 'result.data', { partId: 'p2', offset: 0, bytes: 10, base64: chunk.subarray(0, 10).toString('base64') }),
      ev(4, 'result.data', { partId: 'p2', offset: 10, bytes: chunk.length - 10, base64: chunk.subarray(10).toString('base64') }),
      ev(5, 'result.end', { partId: 'p2', bytes: chunk.length, sha256: '', clientBytes: chunk.length, clientSha256: '' }),
    ];
    const parts = collectResultParts(events);
    expect(parts.map((p) => [p.part, p.complete])).toEqual([['inline', true], ['chunk:0', true]]);
    const chunk0 = decodeResultPart(parts[1]!);
    expect(chunk0.columns.map((c) => c.name)).toEqual(['ID', 'NAME']);
    expect([...chunk0.rows]).toEqual([['3', 'c']]);
    expect(rowsOfStatement(parts, { querySeq: 0 })).toEqual({ columns: ['ID', 'NAME'], rows: [['1', 'a'], ['2', 'b'], ['3', 'c']] });
  });

  it('decodes JSON chunks without brackets, using the inline answer\'s columns', () => {
    const answer = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'X' }], rowset: [['1']] } }));
    const parts = collectResultParts([
      ev(1, 'result', { partId: 'p1', requestId: 'r', part: 'inline', format: 'json', compression: 'none', streamed: false, base64: answer.toString('base64') }),
      ev(2, 'result', { partId: 'p2', requestId: 'r', part: 'chunk:0', format: 'json', compression: 'none', streamed: false, base64: Buffer.from('["2"],["3"]').toString('base64') }),
    ]);
    expect(rowsOfStatement(parts, { requestId: 'r' })).toEqual({ columns: ['X'], rows: [['1'], ['2'], ['3']] });
  });

  it('diffs replayed rows with numeric and boolean tolerance, and turns wire binds into positional binds', () => {
    expect(diffRows({ columns: ['A', 'B'], rows: [['1.50', '1']] }, { columns: ['A', 'B'], rows: [['1.5', 'true']] })).toEqual([]);
    expect(diffRows({ columns: ['A'], rows: [['1'], ['2']] }, { columns: ['A'], rows: [['1'], ['5'], ['6']] })).toEqual(['row count: recorded 2, target 3', 'row 2 column A: recorded "2", target "5"']);
    expect(diffRows({ columns: ['A', 'S'], rows: [['1', '[REDACTED]']] }, { columns: ['A', 'S'], rows: [['1', 'x']] }, 5, new Set(['S']))).toEqual([]);
    expect(bindsFromRecorded({ '2': { type: 'TEXT', value: 'b' }, '1': { type: 'FIXED', value: '1' } })).toEqual(['1', 'b']);
  });

  it('inflates a gzip JSON chunk as it reads it: the same rows as decoding it whole, and a cut-off stream gives its readable rows, then fails', async () => {
    const text = Array.from({ length: 5000 }, (_v, i) => JSON.stringify([String(i), `é-${i}`])).join(', ');
    const gz = gzipSync(Buffer.from(text));
    const part = (bytes: Buffer[], storedCompression: 'gzip' | 'none'): RecordedPart => ({ partId: 'p', part: 'chunk:0', format: 'json', storedCompression, bytes, size: 0, complete: true, truncatedForDisplay: false, columns: ['N', 'L'] });
    const read = async (p: RecordedPart): Promise<{ rows: unknown[]; error?: string }> => {
      const rows: unknown[] = [];
      try {
        for await (const batch of decodeResultPartBatches(p).batches) rows.push(...batch);
        return { rows };
      } catch (err) {
        return { rows, error: (err as Error).message };
      }
    };
    const expected = [...decodeResultPart(part([gz], 'gzip')).rows];
    expect(expected).toHaveLength(5000);
    // Stored pieces cut anywhere (even inside the gzip header), and gzip found by its magic bytes alone.
    expect(await read(part([gz.subarray(0, 1), gz.subarray(1, 999), gz.subarray(999)], 'gzip'))).toEqual({ rows: expected });
    expect(await read(part([gz.subarray(0, 1), gz.subarray(1)], 'none'))).toEqual({ rows: expected });
    const cut = await read(part([gz.subarray(0, Math.floor(gz.length / 2))], 'gzip'));
    expect(cut.error).toMatch(/unexpected end of file/);
    expect(cut.rows.length).toBeGreaterThan(0);
    expect(cut.rows).toEqual(expected.slice(0, cut.rows.length));
  });
});
