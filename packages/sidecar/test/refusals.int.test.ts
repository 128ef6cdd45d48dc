import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SnowflakeEnvelope } from '@snowtrail/protocol';
import { metricValue, startStack, type Stack } from './harness.js';

/** A login with a token that is not this pod's (unsigned, with whatever claims the attacker likes). */
async function forgedLogin(url: string, claims: Record<string, unknown>, appId = 'JavaScript'): Promise<SnowflakeEnvelope<unknown>> {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const token = `${b64({ alg: 'RS256', kid: 'forged' })}.${b64(claims)}.${Buffer.from('sig').toString('base64url')}`;
  const res = await fetch(`${url}/session/v1/login-request?requestId=${crypto.randomUUID()}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', CLIENT_APP_ID: appId },
    body: JSON.stringify({ data: { ACCOUNT_NAME: 'SNOWTRAIL', AUTHENTICATOR: 'OAUTH', TOKEN: token } }),
  });
  return (await res.json()) as SnowflakeEnvelope<unknown>;
}

describe('attack: refused logins filling the record', () => {
  let stack: Stack;
  let clock = Date.now();
  beforeAll(async () => {
    stack = await startStack({ tap: true, now: () => clock, sidecar: { refusalWindowMs: 60_000 } });
  });
  afterAll(async () => {
    await stack.close();
  });

  const failures = () => stack.memory!.events.filter((e) => e.type === 'auth.failure');

  it('records a refused login with 30 KB of claims in at most a few KiB: claims truncated and hashed', async () => {
    const env = await forgedLogin(stack.sidecar.url, { iss: 'https://attacker', sub: 's'.repeat(30_000), aud: ['snowtrail'], exp: 9_999_999_999 }, 'A'.repeat(10_000));
    expect(env).toMatchObject({ success: false, code: '390303' });
    const [event] = failures();
    const info = event!.info as { claims: Record<string, unknown>; client: { app: string } };
    expect(Buffer.byteLength(JSON.stringify(info))).toBeLessThanOrEqual(4096);
    expect(info.claims).toMatchObject({ iss: 'https://attacker', sub: `${'s'.repeat(256)}…[30000 chars]`, verified: false, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(info.claims.bytes).toBeGreaterThan(30_000);
    expect(info.client.app).toBe(`${'A'.repeat(256)}…[10000 chars]`);
    expect(stack.tap!.requests.filter((r) => r.path.startsWith('/session/v1/login-request'))).toEqual([]);
  });

  it('aggregates refusals from one source: one record per window with a count; metrics count every one', async () => {
    const reason = 'token_kid_unknown';
    const counted = await metricValue(stack.registry, 'snowtrail_sidecar_logins_total', { outcome: 'failure', reason });
    const recorded = failures().length;
    for (let i = 0; i < 30; i++) await forgedLogin(stack.sidecar.url, { sub: `attempt-${i}` });
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_logins_total', { outcome: 'failure', reason })).toBe(counted + 30);
    // The first test's refusal opened this source's window: all 30 are counted, none recorded yet.
    expect(failures().length).toBe(recorded);

    clock += 61_000;
    await forgedLogin(stack.sidecar.url, { sub: 'after the window' });
    const added = failures().slice(recorded);
    expect(added.map((e) => e.info)).toEqual([
      {
        reason,
        message: `snowtrail: 30 further login refusals (${reason}) from this source in the window, recorded once`,
        client: { address: expect.any(String) },
        repeated: 30,
        windowStart: expect.any(String),
        windowEnd: expect.any(String),
      },
      expect.objectContaining({ reason, claims: expect.objectContaining({ sub: 'after the window' }) }),
    ]);
  });
});
