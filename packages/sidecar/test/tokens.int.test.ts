import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { connect, metricValue, POD_UID, startStack, type Stack } from './harness.js';

/** Connects with a token and returns the driver's error (the login must fail). */
async function refused(stack: Stack, extra: Record<string, unknown>): Promise<{ code: string; message: string }> {
  try {
    await connect({ accessUrl: stack.sidecar.url, account: 'SNOWTRAIL', ...extra });
  } catch (err) {
    const e = err as { code?: unknown; message: string };
    return { code: String(e.code), message: e.message };
  }
  throw new Error('login unexpectedly succeeded');
}

describe('login token suite: every bad token is refused with 390303 and counted', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, string, (s: Stack) => Promise<string>][] = [
    ['expired', 'token_expired', (s) => s.mint({ overrides: { exp: now() - 3600, iat: now() - 7200, nbf: now() - 7200 } })],
    ['not yet valid', 'token_not_yet_valid', (s) => s.mint({ overrides: { nbf: now() + 3600 } })],
    ['wrong audience', 'token_audience_mismatch', (s) => s.mint({ audience: 'https://kubernetes.default.svc' })],
    ['wrong issuer', 'token_issuer_mismatch', (s) => s.mint({ overrides: { iss: 'https://other-cluster.example' } })],
    ['another pod\'s uid', 'token_pod_mismatch', (s) => s.mint({ podUid: '11111111-2222-4333-8444-555555555555' })],
    ['subject not allowed', 'subject_not_allowed', (s) => s.mint({ namespace: 'pipelines', serviceAccount: 'default' })],
    ['alg none', 'token_alg_not_allowed', async () => new UnsecuredJWT({ sub: 'system:serviceaccount:pipelines:etl', 'kubernetes.io': { pod: { uid: POD_UID } } }).setIssuedAt().setExpirationTime('1h').encode()],
    ['HS256 signed with the public key', 'token_alg_not_allowed', async (s) => {
      const jwk = s.issuer.jwks.keys[0]!;
      return new SignJWT({ sub: 'system:serviceaccount:pipelines:etl', 'kubernetes.io': { pod: { uid: POD_UID } } })
        .setProtectedHeader({ alg: 'HS256', kid: jwk.kid! }).setIssuer(s.issuer.issuer).setAudience('snowtrail').setIssuedAt().setExpirationTime('1h')
        .sign(new TextEncoder().encode(JSON.stringify(jwk)));
    }],
    ['unknown kid', 'token_kid_unknown', async (s) => {
      const { privateKey } = await generateKeyPair('RS256');
      return new SignJWT({ sub: 'system:serviceaccount:pipelines:etl', 'kubernetes.io': { pod: { uid: POD_UID } } })
        .setProtectedHeader({ alg: 'RS256', kid: 'rogue-key' }).setIssuer(s.issuer.issuer).setAudience('snowtrail').setIssuedAt().setExpirationTime('1h').sign(privateKey);
    }],
    ['tampered payload', 'token_signature_invalid', async (s) => {
      const [h, p, sig] = (await s.mint()).split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      return `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${sig}`;
    }],
    ['truncated', 'token_signature_invalid', async (s) => (await s.mint()).slice(0, -30)],
    ['garbage', 'token_malformed', async () => 'definitely-not-a-jwt'],
  ];

  it.each(cases)('%s → 390303 (%s)', async (_name, reason, make) => {
    const before = await metricValue(stack.registry, 'snowtrail_sidecar_logins_total', { outcome: 'failure', reason });
    const e = await refused(stack, { authenticator: 'OAUTH', token: await make(stack) });
    expect(e.code).toBe('390303');
    expect(e.message).toMatch(/^snowtrail: login refused: /);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_logins_total', { outcome: 'failure', reason })).toBe(before + 1);
    const last = stack.memory!.events.filter((ev) => ev.type === 'auth.failure').at(-1);
    expect(last?.info).toMatchObject({ reason });
  });

  it('refuses the password authenticator (the client never holds a Snowflake credential)', async () => {
    const e = await refused(stack, { username: 'SVC_ETL', password: 'guess' });
    expect(e.code).toBe('390303');
    expect(e.message).toContain('only authenticator OAUTH');
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_logins_total', { outcome: 'failure', reason: 'authenticator_not_supported' })).toBe(1);
  });

  it('refuses a role the sidecar does not use (ADR 0020) and never logs in upstream for refused clients', async () => {
    const e = await refused(stack, { authenticator: 'OAUTH', token: await stack.mint(), role: 'ACCOUNTADMIN' });
    expect(e.code).toBe('390189');
    expect(e.message).toContain("role 'ACCOUNTADMIN'");
    expect(stack.emulator.logins).toEqual([]);
  });

  it('does not show the real tokens to the client: a real-looking token in Authorization is refused', async () => {
    const res = await fetch(`${stack.sidecar.url}/queries/v1/query-request?requestId=00000000-0000-4000-8000-000000000001`, {
      method: 'POST',
      headers: { authorization: 'Snowflake Token="real-token-guess"', 'content-type': 'application/json' },
      body: JSON.stringify({ sqlText: 'select 1' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: false, code: '390104' });
  });
});
