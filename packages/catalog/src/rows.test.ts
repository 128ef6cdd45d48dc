import { describe, expect, it } from '@jest/globals';
import type { IndexPart } from '@snowtrail/recording';
import { fingerprintOf } from './rows.js';
import { sessionsToRead } from './build.js';

function part(no: number, status: 'open' | 'ended' | 'interrupted'): IndexPart {
  const sessionId = '20261130T080000Z-0123456789ab';
  return { version: 1, type: 'snowtrail.index', sessionId, no, segments: [], statements: [], summary: { sessionId, kind: 'session', startedAt: '', lastEventAt: '', status, statementCount: 0, eventCount: 0 } };
}

describe('fingerprintOf', () => {
  it('calls a session final only when it ended or was interrupted and every index part 1..n is there and parsed', () => {
    expect(fingerprintOf(['a', 'b'], [part(1, 'open'), part(2, 'ended')]).final).toBe(true);
    expect(fingerprintOf(['a', 'b'], [part(1, 'open'), part(2, 'interrupted')]).final).toBe(true);
    expect(fingerprintOf(['a'], [part(1, 'open')]).final).toBe(false);
    // Part 1 not uploaded yet (parts arrive out of order): more statements may still appear.
    expect(fingerprintOf(['b'], [part(2, 'ended')]).final).toBe(false);
    // A part that did not parse: the listing skipped it; keep re-reading the session.
    expect(fingerprintOf(['a', 'b'], [part(2, 'ended')]).final).toBe(false);
  });

  it('changes when any part changes', () => {
    const parts = [part(1, 'ended')];
    expect(fingerprintOf(['a'], parts).sha256).not.toBe(fingerprintOf(['b'], parts).sha256);
  });
});

describe('sessionsToRead', () => {
  it('skips only sessions the manifest covers as final', () => {
    const fp = { parts: 1, sha256: 'x', day: '2026-11-30', namespace: 'ns' };
    const manifest = { version: 1, type: 'snowtrail.catalog.manifest' as const, runId: 'r', previousRunId: null, builtAt: '', partitions: [], sessions: { a: { ...fp, final: true }, b: { ...fp, final: false } } };
    expect(sessionsToRead(['a', 'b', 'c'], manifest, false)).toEqual(['b', 'c']);
    expect(sessionsToRead(['a', 'b', 'c'], manifest, true)).toEqual(['a', 'b', 'c']);
  });
});
