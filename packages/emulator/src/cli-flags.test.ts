import { describe, expect, it } from '@jest/globals';
import { buildFaults, buildUsers, splitNamed } from './cli-flags.js';

describe('emulator CLI flags', () => {
  it('merges repeated user flags per user, case-insensitively', () => {
    expect(
      buildUsers({
        passwords: [['ALICE', 'pw']],
        publicKeys: [['alice', 'PEM']],
        oauthTokens: [['bob', 't1'], ['BOB', 't2']],
        pats: [['carol', 'p1']],
      }),
    ).toEqual([
      { name: 'ALICE', password: 'pw', publicKeyPem: 'PEM' },
      { name: 'bob', oauthTokens: ['t1', 't2'] },
      { name: 'carol', pats: ['p1'] },
    ]);
  });
  it('splits NAME:PASSWORD at the first separator only', () => {
    expect(splitNamed('--user', 'bob:pa:ss', ':', 'NAME:PASSWORD')).toEqual(['bob', 'pa:ss']);
    expect(() => splitNamed('--user', ':x', ':', 'NAME:PASSWORD')).toThrow('--user expects NAME:PASSWORD, got ":x"');
  });
  it('builds fault settings from the individual flags on top of --faults JSON', () => {
    expect(
      buildFaults({ faults: '{"delayMs":10,"throttleBytesPerSecond":5}', faultServerError: '2:502:query', faultReset: '1', faultCorruptChunk: '3', faultDelayMs: '20' }),
    ).toEqual({ delayMs: 20, throttleBytesPerSecond: 5, serverError: { count: 2, status: 502, target: 'query' }, resetConnection: { count: 1 }, corruptChunk: { count: 3 } });
    expect(buildFaults({})).toBeUndefined();
    expect(() => buildFaults({ faults: '{nope' })).toThrow(/--faults expects a JSON object/);
    expect(() => buildFaults({ faultServerError: '1:404' })).toThrow(/serverError.status must be 5xx/);
  });
});
