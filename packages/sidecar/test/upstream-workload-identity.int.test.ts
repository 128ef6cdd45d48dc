import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { startTokenIssuer, type MintClaims, type TokenIssuerHandle } from '@snowtrail/devkit';
import { destroy, execute, metricValue, startStack, type Stack } from './harness.js';

/** The sidecar's own projected token: the pod's service account, Snowflake's audience. */
const SIDECAR_TOKEN: MintClaims = { namespace: 'pipelines', podName: 'etl-7d9f-abcde', podUid: 'uid', serviceAccount: 'etl', audience: 'snowflakecomputing.com' };
const SUBJECT = 'system:serviceaccount:pipelines:etl';

describe('upstream login by workload identity (a projected token file, re-read at every login)', () => {
  let cluster: TokenIssuerHandle;
  let stack: Stack;
  let tokenFile: string;

  /** Replaces the file atomically, as the kubelet does (a new file renamed over the old). */
  async function project(token: string): Promise<void> {
    await writeFile(`${tokenFile}.new`, token);
    await rename(`${tokenFile}.new`, tokenFile);
  }

  beforeAll(async () => {
    cluster = await startTokenIssuer();
    stack = await startStack({
      emulator: { users: [{ name: 'SVC_ETL', workloadIdentities: [{ issuer: cluster.issuer, subject: SUBJECT }] }] },
      config: (c) => {
        const dir = String((c.recording as { spoolDir: string }).spoolDir).replace(/\/spool$/, '');
        tokenFile = join(dir, 'snowflake-token');
        (c.upstream as Record<string, unknown>).auth = { type: 'workloadIdentity', tokenFile };
      },
      beforeStart: async () => project(await cluster.mint(SIDECAR_TOKEN)),
    });
  });
  afterAll(async () => {
    await stack.close();
    await cluster.close();
  });

  it('logs in with AUTHENTICATOR=WORKLOAD_IDENTITY and records the upstream method in session.start', async () => {
    const first = await cluster.mint(SIDECAR_TOKEN);
    await project(first);
    const conn = await stack.connect();
    expect((await execute(conn, 'select current_user() as u')).rows).toEqual([{ U: 'SVC_ETL' }]);
    await destroy(conn);
    expect(stack.emulator.logins.at(-1)).toMatchObject({ user: 'SVC_ETL', authenticator: 'WORKLOAD_IDENTITY', success: true, tokenId: decodeJwt(first).jti });
    const start = stack.memory!.events.filter((e) => e.type === 'session.start').at(-1);
    expect(start?.info).toMatchObject({ upstreamAuth: 'workloadIdentity', snowflake: { user: 'SVC_ETL' } });
  });

  it('keeps a session across a renewal when the file is replaced, and the next login presents the new token', async () => {
    await project(await cluster.mint(SIDECAR_TOKEN));
    const conn = await stack.connect();
    const logins = stack.emulator.logins.length;
    const rotated = await cluster.mint(SIDECAR_TOKEN);
    await project(rotated);
    // The session token expires; the driver renews with the master token (no credential needed).
    stack.emulator.faults.expireSessions();
    expect((await execute(conn, 'select 2 as two')).rows).toEqual([{ TWO: 2 }]);
    expect(stack.emulator.logins.length).toBe(logins);
    const next = await stack.connect();
    expect(stack.emulator.logins.at(-1)).toMatchObject({ authenticator: 'WORKLOAD_IDENTITY', success: true, tokenId: decodeJwt(rotated).jti });
    await destroy(conn);
    await destroy(next);
  });

  it.each([
    ['expired', { overrides: { iat: Math.floor(Date.now() / 1000) - 7200, nbf: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 60 } }, /cannot be used: it expired at /],
    ['meant for another audience', { audience: 'snowtrail' }, /cannot be used: its audience is \["snowtrail"\], not snowflakecomputing\.com/],
  ] as const)('never sends a token that is %s: a clear error and a recorded failure', async (_what, over, message) => {
    await project(await cluster.mint({ ...SIDECAR_TOKEN, ...over }));
    const logins = stack.emulator.logins.length;
    const failures = await metricValue(stack.registry, 'snowtrail_sidecar_logins_total', { outcome: 'failure', reason: 'credential_unusable' });
    await expect(stack.connect()).rejects.toMatchObject({ code: '399503', message: expect.stringMatching(message) });
    expect(stack.emulator.logins.length).toBe(logins);
    const failure = stack.memory!.events.filter((e) => e.type === 'auth.failure').at(-1);
    expect(failure?.info).toMatchObject({ reason: 'upstream_credential_unusable', message: expect.stringMatching(message), claims: { sub: 'system:serviceaccount:pipelines:etl' } });
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_logins_total', { outcome: 'failure', reason: 'credential_unusable' })).toBe(failures + 1);
    // A fresh token from the kubelet makes the next login work again.
    await project(await cluster.mint(SIDECAR_TOKEN));
    await destroy(await stack.connect());
  });
});
