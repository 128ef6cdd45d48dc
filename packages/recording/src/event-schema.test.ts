import { describe, expect, it } from '@jest/globals';
import { encodeEvent, genesisHead, checkChainLines } from './chain.js';
import { parseEvent } from './event-schema.js';

const line = (type: Parameters<typeof encodeEvent>[3], data: object): Buffer => encodeEvent(genesisHead(), 'S', 1_700_000_000_000, type, data).line;
const sha = 'a'.repeat(64);

describe('parseEvent', () => {
  it('accepts every event the writer produces, keeping fields it does not know', () => {
    const ok = [
      line('query', { requestId: 'r', sqlText: 'select 1', statements: [{ class: 'SELECT', reads: [], writes: [] }], decision: 'allow', extra: 1 }),
      line('query.denied', { requestId: 'r', sqlText: 'drop table t', statements: [{ class: 'DROP', reads: [], writes: ['T'] }], decision: 'deny', rule: 'deny-ddl', reason: 'statement_denied' }),
      line('result', { partId: 'p1', part: 'chunk:0', format: 'arrow', compression: 'gzip', streamed: true }),
      line('result.data', { partId: 'p1', offset: 0, bytes: 3, base64: 'YWJj' }),
      line('result.end', { partId: 'p1', bytes: 3, sha256: sha, clientBytes: 3, clientSha256: sha }),
      line('session.end', { reason: 'client_logout' }),
      // Fields echoed from a driver's request as it sent them (the Python connector and Go send null).
      line('query', { requestId: 'r2', sqlText: 'select 1', statements: [], decision: 'allow', bindStage: null, asyncExec: null }),
      line('query.end', { requestId: 'r2', status: 'failed', queryId: null, errorCode: null }),
    ];
    for (const l of ok) expect(parseEvent(l)).toMatchObject({ ok: true });
    const q = parseEvent(ok[0]!);
    expect(q.ok && q.event.data.extra).toBe(1);
  });

  it('names the first invalid field of a payload instead of handing a wrong shape to a reader', () => {
    expect(parseEvent(line('result.data', { partId: 'p1', offset: -1, bytes: 3, base64: 'YWJj' }))).toMatchObject({ ok: false, kind: 'invalid', seq: 0, reason: expect.stringMatching(/^event seq 0 \(result\.data\): data\.offset: /) });
    expect(parseEvent(line('result.data', { partId: 'p1', offset: 0, bytes: 3, base64: 42 }))).toMatchObject({ ok: false, reason: expect.stringContaining('data.base64') });
    expect(parseEvent(line('result', { part: 'inline', format: 'json', compression: 'none', streamed: false }))).toMatchObject({ ok: false, reason: expect.stringContaining('data.partId') });
    expect(parseEvent(line('result', { partId: 'p', part: '../../x', format: 'json', compression: 'none', streamed: false }))).toMatchObject({ ok: false, reason: expect.stringContaining('data.part') });
    expect(parseEvent(line('query', { requestId: 'r', sqlText: { toString: 'x' }, statements: [], decision: 'allow' }))).toMatchObject({ ok: false, reason: expect.stringContaining('data.sqlText') });
  });

  it('refuses envelopes that are not events: unknown type, extra keys, bad hashes, not JSON', () => {
    const e = JSON.parse(line('note', { kind: 'x' }).toString()) as Record<string, unknown>;
    expect(parseEvent(JSON.stringify({ ...e, type: 'query.approved' }))).toMatchObject({ ok: false, reason: expect.stringContaining('type') });
    expect(parseEvent(JSON.stringify({ ...e, injected: true }))).toMatchObject({ ok: false, kind: 'invalid' });
    expect(parseEvent(JSON.stringify({ ...e, prevHash: 'zz' }))).toMatchObject({ ok: false, reason: expect.stringContaining('prevHash') });
    expect(parseEvent(JSON.stringify([1, 2]))).toMatchObject({ ok: false, kind: 'invalid' });
    expect(parseEvent('null')).toMatchObject({ ok: false, kind: 'invalid' });
    expect(parseEvent('{"version":1,')).toEqual({ ok: false, kind: 'not_json', reason: 'not valid JSON (truncated or altered)' });
  });

  it('makes an invalid payload a chain problem with its precise reason, while still checking the chain around it', () => {
    const bad = line('result.data', { partId: 'p1', offset: 0, bytes: 3, base64: 42 });
    const checked = checkChainLines(genesisHead(), 'S', [bad], 'segment 000001');
    expect(checked.problems).toEqual([{ kind: 'invalid', seq: 0, message: expect.stringMatching(/^segment 000001: event seq 0 \(result\.data\): data\.base64: /) }]);
    expect(checked.head.seq).toBe(0);
  });
});
