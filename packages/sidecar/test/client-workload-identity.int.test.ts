import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, destroy, execute, POD_CLAIMS, startStack, type Stack } from './harness.js';
import { ensurePythonConnector, runPython } from './python-connector.js';

/** snowflake-sdk refuses WORKLOAD_IDENTITY towards hosts outside its allowlist; the injected environment extends it. */
const ALLOWED_HOSTS = 'SNOWFLAKE_WIF_ALLOWED_HOST_SUFFIXES';

/** Connects with the settings docs/drivers.md gives for the Python connector. */
const PYTHON_CONNECT = `
import json, sys
import snowflake.connector
args = json.loads(sys.argv[1])
try:
    conn = snowflake.connector.connect(
        account='SNOWTRAIL', host=args['host'], port=args['port'], protocol='http',
        authenticator='WORKLOAD_IDENTITY', workload_identity_provider='OIDC', token_file_path=args['tokenFile'],
        login_timeout=20, network_timeout=20)
    rows = conn.cursor().execute('select 42 as answer, current_user() as who').fetchall()
    conn.close()
    print(json.dumps({'rows': [list(r) for r in rows]}))
except snowflake.connector.errors.Error as e:
    print(json.dumps({'errno': e.errno, 'msg': e.msg}))
`;

describe('drivers log in to the sidecar by workload identity (provider OIDC, the pod\'s token)', () => {
  let stack: Stack;
  let saved: string | undefined;
  beforeAll(async () => {
    saved = process.env[ALLOWED_HOSTS];
    process.env[ALLOWED_HOSTS] = '127.0.0.1';
    stack = await startStack();
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env[ALLOWED_HOSTS];
    else process.env[ALLOWED_HOSTS] = saved;
    await stack.close();
  });

  const wif = (token: string) => connect({ accessUrl: stack.sidecar.url, account: 'SNOWTRAIL', authenticator: 'WORKLOAD_IDENTITY', workloadIdentityProvider: 'OIDC', token });

  it('snowflake-sdk: logs in and queries; the session is the pod\'s, as with OAUTH', async () => {
    const conn = await wif(await stack.mint());
    expect((await execute(conn, 'select 42 as answer')).rows).toEqual([{ ANSWER: 42 }]);
    await destroy(conn);
    const start = stack.memory!.events.filter((e) => e.type === 'session.start').at(-1);
    expect(start?.info).toMatchObject({ identity: { subject: 'system:serviceaccount:pipelines:etl', podUid: POD_CLAIMS.podUid } });
  });

  it.each([
    ['another pod\'s token', { podUid: 'someone-else' }],
    ['a token for another audience', { audience: 'snowflakecomputing.com' }],
    ['an expired token', { expiresInSeconds: -120 }],
  ] as const)('snowflake-sdk: %s is refused exactly as under OAUTH', async (_what, over) => {
    const token = await stack.mint(over);
    const asOauth = await stack.connect({ token }).then(
      () => undefined,
      (e: { code?: unknown; message?: string }) => ({ code: e.code, message: e.message }),
    );
    const asWif = await wif(token).then(
      () => undefined,
      (e: { code?: unknown; message?: string }) => ({ code: e.code, message: e.message }),
    );
    expect(asOauth).toMatchObject({ code: '390303', message: expect.stringMatching(/^snowtrail: login refused: /) });
    expect(asWif).toEqual(asOauth);
  });

  it('refuses WORKLOAD_IDENTITY with a cloud provider (AWS/AZURE/GCP attestations are not the pod\'s token)', async () => {
    const res = await fetch(`${stack.sidecar.url}/session/v1/login-request?request_guid=${crypto.randomUUID()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ data: { ACCOUNT_NAME: 'SNOWTRAIL', AUTHENTICATOR: 'WORKLOAD_IDENTITY', PROVIDER: 'AWS', TOKEN: await stack.mint() } }),
    });
    expect(await res.json()).toMatchObject({
      success: false,
      code: '390303',
      message: 'snowtrail: login refused: only authenticator OAUTH, or WORKLOAD_IDENTITY with provider OIDC, with the pod\'s projected service-account token is accepted (got WORKLOAD_IDENTITY with provider AWS)',
    });
  });

  it('snowflake-connector-python 4.7.1 with token_file_path: logs in, and a foreign pod\'s token is refused', async () => {
    const python = await ensurePythonConnector();
    const url = new URL(stack.sidecar.url);
    const tokenFile = join(stack.dir, 'pod-token');
    await writeFile(tokenFile, await stack.mint());
    const ok = await runPython<{ rows?: unknown[][]; msg?: string }>(python, PYTHON_CONNECT, { host: url.hostname, port: Number(url.port), tokenFile });
    expect(ok).toEqual({ rows: [[42, 'SVC_ETL']] });
    await writeFile(tokenFile, await stack.mint({ podUid: 'someone-else' }));
    const refused = await runPython<{ errno?: number; msg?: string }>(python, PYTHON_CONNECT, { host: url.hostname, port: Number(url.port), tokenFile });
    // The connector wraps every login refusal in 250001 and keeps the server's message.
    expect(refused).toEqual({ errno: 250001, msg: `250001 (08001): Failed to connect to DB: ${url.host}. snowtrail: login refused: the token belongs to another pod` });
  }, 600_000);
});
