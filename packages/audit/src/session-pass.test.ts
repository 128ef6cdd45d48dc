import { describe, expect, it } from '@jest/globals';
import type { RecordingEvent, SessionRecord } from '@snowtrail/recording';
import { passSession } from './session-pass.js';

const SID = '20261126T100000Z-0123456789ab';

/** A statement answered inline (row 0) and by `chunks` JSON chunks of `perChunk` rows, the chunks closing in the order given. */
function statement(chunks: number[], perChunk: number): SessionRecord[] {
  let seq = 0;
  const ev = (type: RecordingEvent['type'], data: Record<string, unknown>): SessionRecord => ({ kind: 'event', event: { version: 1, sessionId: SID, seq: seq++, time: '2026-11-26T10:00:00.000Z', type, prevHash: '0'.repeat(64), data } });
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const answer = { data: { rowtype: [{ name: 'N', type: 'text' }], rowset: [['inline']] } };
  return [
    ev('query', { requestId: 'r', sqlText: 'select n from t', statements: [{ class: 'SELECT', reads: ['T'], writes: [] }], decision: 'allow' }),
    ev('result', { partId: 'p', querySeq: 0, requestId: 'r', part: 'inline', format: 'json', compression: 'none', streamed: false, base64: b64(JSON.stringify(answer)) }),
    ...chunks.map((c) => ev('result', { partId: `c${c}`, querySeq: 0, requestId: 'r', part: `chunk:${c}`, format: 'json', compression: 'none', streamed: false, base64: b64(Array.from({ length: perChunk }, (_v, i) => JSON.stringify([`${c}-${i}`])).join(',')) })),
    ev('query.end', { requestId: 'r', status: 'success', rows: 1 + chunks.length * perChunk, querySeq: 0 }),
  ];
}

async function* from(records: SessionRecord[]): AsyncGenerator<SessionRecord> {
  yield* records;
}

describe('the session pass', () => {
  it('keeps the first rows of a statement in part order, whatever order its parts close in, and counts them all', async () => {
    const order = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4];
    const pass = await passSession(from(statement(order, 10)), { results: true, maxRows: 15 });
    const r = pass.results.get(0)!;
    expect(r.total).toBe(101);
    expect(r.rows.map((x) => x[0])).toEqual(['inline', ...Array.from({ length: 10 }, (_v, i) => `0-${i}`), '1-0', '1-1', '1-2', '1-3']);
    const inOrder = (await passSession(from(statement(Array.from({ length: 300 }, (_v, i) => i), 3)), { results: true, maxRows: 5 })).results.get(0)!;
    expect({ total: inOrder.total, rows: inOrder.rows.map((x) => x[0]) }).toEqual({ total: 901, rows: ['inline', '0-0', '0-1', '0-2', '1-0'] });
    // A late part that sorts before the kept ones takes their place.
    const late = (await passSession(from(statement([3, 4, 5, 0], 2)), { results: true, maxRows: 3 })).results.get(0)!;
    expect(late.rows.map((x) => x[0])).toEqual(['inline', '0-0', '0-1']);
  });
});
