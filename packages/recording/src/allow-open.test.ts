import { describe, expect, it } from '@jest/globals';
import { allowOpenSession, type VerifyReport } from './verifier.js';

const base: VerifyReport = { sessionId: '20261126T170930Z-bed1d62779e7', ok: false, problems: [], digests: 2, segments: 2, events: 9, status: 'active', keyIds: ['k'] };

describe('allowOpenSession (verify --allow-open)', () => {
  it('passes a session whose only problem is that it is still open', () => {
    const r = allowOpenSession({ ...base, problems: [{ kind: 'not_final', message: 'not final' }] });
    expect(r.ok).toBe(true);
    expect(r.status).toMatch(/^open/);
  });

  it('still fails an open session with any other problem', () => {
    const problems = [
      { kind: 'not_final' as const, message: 'not final' },
      { kind: 'segment_missing' as const, message: 'segment 000002 missing' },
    ];
    expect(allowOpenSession({ ...base, problems })).toMatchObject({ ok: false, problems });
  });

  it('leaves intact sessions as they are', () => {
    const ok = { ...base, ok: true, status: 'ended' };
    expect(allowOpenSession(ok)).toBe(ok);
  });
});
