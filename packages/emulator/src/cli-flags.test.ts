import { describe, expect, it } from '@jest/globals';
import { buildFaults, buildUsers, parseWorkloadIdentityFlag, splitNamed } from './cli-flags.js';

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
  it('parses --workload-identity values and names a user\'s identities in order', () => {
    const id = parseWorkloadIdentityFlag('https://oidc.eks.example/id/1,system:serviceaccount:ns:sa');
    expect(id).toEqual({ issuer: 'https://oidc.eks.example/id/1', subject: 'system:serviceaccount:ns:sa' });
    expect(parseWorkloadIdentityFlag('https://i,s,aud-x')).toEqual({ issuer: 'https://i', subject: 's', audiences: ['aud-x'] });
    expect(() => parseWorkloadIdentityFlag('https://i')).toThrow('--workload-identity expects NAME=<issuer>,<subject>[,<audience>], got "https://i"');
    expect(() => parseWorkloadIdentityFlag('issuer,sub')).toThrow(/the issuer must be a URL/);
    expect(buildUsers({ passwords: [], publicKeys: [], oauthTokens: [], pats: [], workloadIdentities: [['svc', id], ['SVC', { issuer: 'https://i', subject: 's' }]] })).toEqual([
      { name: 'svc', workloadIdentities: [{ ...id, name: 'DEFAULT' }, { issuer: 'https://i', subject: 's', name: 'IDENTITY_2' }] },
    ]);
  });
});
