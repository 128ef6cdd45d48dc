import { describe, expect, it } from '@jest/globals';
import { applyEventToIndex, buildIndexPart, mergeIndexStatements } from './index-object.js';
import type { IndexStatement, RecordingEvent, SessionSummary } from './format.js';

const ev = (seq: number, type: RecordingEvent['type'], data: Record<string, unknown>): RecordingEvent => ({ version: 1, sessionId: 'S', seq, time: `2026-11-26T12:00:0${seq}.000Z`, type, prevHash: '', data });

describe('index parts', () => {
  it('tracks statements from query and query.end events and merges parts by seq', () => {
    const summary: SessionSummary = { sessionId: 'S', kind: 'session', startedAt: '', lastEventAt: '', status: 'open', statementCount: 0, eventCount: 0 };
    const touched = new Map<number, IndexStatement>();
    const seqs = new Map<string, number>();
    applyEventToIndex(summary, touched, seqs, ev(0, 'session.start', { identity: { podName: 'p' }, policy: { name: 'x', generation: 1 } }), 1);
    applyEventToIndex(summary, touched, seqs, ev(1, 'query', { requestId: 'r', sqlText: 'insert into a.b.c select 1', statements: [{ class: 'DML_INSERT', reads: ['A.B.D'], writes: ['A.B.C'] }], decision: 'allow' }), 1);
    const first = buildIndexPart({ sessionId: 'S', no: 1, summary: { ...summary }, segments: [], statements: [...touched.values()] });
    touched.clear();
    applyEventToIndex(summary, touched, seqs, ev(2, 'query.end', { requestId: 'r', queryId: 'q', status: 'success', rows: 7 }), 2);
    applyEventToIndex(summary, touched, seqs, ev(3, 'session.end', { reason: 'client_logout' }), 2);
    const second = buildIndexPart({ sessionId: 'S', no: 2, summary: { ...summary }, segments: [], statements: [...touched.values()] });
    expect(mergeIndexStatements([second, first])).toEqual([
      { seq: 1, requestId: 'r', time: '2026-11-26T12:00:01.000Z', endTime: '2026-11-26T12:00:02.000Z', sqlText: 'insert into a.b.c select 1', classes: ['DML_INSERT'], reads: ['A.B.D'], writes: ['A.B.C'], decision: 'allow', segment: 1, queryId: 'q', status: 'success', rows: 7 },
    ]);
    expect(summary).toMatchObject({ status: 'ended', statementCount: 1, eventCount: 4, identity: { podName: 'p' } });
  });
});

describe('index parts of denied statements', () => {
  const fresh = (): SessionSummary => ({ sessionId: 'S', kind: 'session', startedAt: '', lastEventAt: '', status: 'open', statementCount: 0, eventCount: 0 });

  it('carry the deciding rule and reason of a denial, whichever event type recorded it', () => {
    const touched = new Map<number, IndexStatement>();
    const summary = fresh();
    applyEventToIndex(summary, touched, new Map(), ev(1, 'query.denied', { requestId: 'r1', sqlText: 'drop table a.b.c', statements: [{ class: 'DDL_DROP', reads: [], writes: ['A.B.C'] }], decision: 'deny', rule: 'no-ddl', reason: 'statement_denied' }), 1);
    applyEventToIndex(summary, touched, new Map(), ev(2, 'query', { requestId: 'r2', sqlText: 'copy into @s', statements: [], decision: 'deny', rule: 'exfiltration-guard', reason: 'exfiltration_blocked' }), 1);
    applyEventToIndex(summary, touched, new Map(), ev(3, 'query', { requestId: 'r3', sqlText: 'select 1', statements: [], decision: 'allow', rule: 'read-all', reason: 'allowed' }), 1);
    expect([...touched.values()].map((s) => [s.seq, s.decision, s.rule, s.reason])).toEqual([
      [1, 'deny', 'no-ddl', 'statement_denied'],
      [2, 'deny', 'exfiltration-guard', 'exfiltration_blocked'],
      [3, 'allow', undefined, undefined],
    ]);
  });

  it('a denial recorded without rule or reason (older sidecars) gets neither, and old parts merge unchanged', () => {
    const touched = new Map<number, IndexStatement>();
    applyEventToIndex(fresh(), touched, new Map(), ev(1, 'query.denied', { requestId: 'r1', sqlText: 'drop table t', statements: [], decision: 'deny', rule: 42 }), 1);
    expect(touched.get(1)).not.toHaveProperty('rule');
    expect(touched.get(1)).not.toHaveProperty('reason');
    const old = buildIndexPart({ sessionId: 'S', no: 1, summary: fresh(), segments: [], statements: [{ seq: 1, decision: 'deny', status: 'denied' }] });
    expect(mergeIndexStatements([old])).toEqual([{ seq: 1, decision: 'deny', status: 'denied' }]);
  });
});
