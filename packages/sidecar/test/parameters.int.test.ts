import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SnowflakeEnvelope } from '@snowtrail/protocol';
import { destroy, execute, metricValue, startStack, type Connection, type Stack } from './harness.js';
import { rawLogin } from './raw-client.js';

async function loginWith(url: string, token: string, sessionParameters: Record<string, unknown>): Promise<SnowflakeEnvelope<{ token: string }>> {
  const res = await fetch(`${url}/session/v1/login-request?requestId=${crypto.randomUUID()}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ data: { ACCOUNT_NAME: 'SNOWTRAIL', AUTHENTICATOR: 'OAUTH', TOKEN: token, SESSION_PARAMETERS: sessionParameters } }),
  });
  return (await res.json()) as SnowflakeEnvelope<{ token: string }>;
}

async function queryWith(url: string, handle: string, sqlText: string, parameters: Record<string, unknown>): Promise<SnowflakeEnvelope<Record<string, unknown>>> {
  const res = await fetch(`${url}/queries/v1/query-request?requestId=${crypto.randomUUID()}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/snowflake', authorization: `Snowflake Token="${handle}"` },
    body: JSON.stringify({ sqlText, parameters }),
  });
  return (await res.json()) as SnowflakeEnvelope<Record<string, unknown>>;
}

describe('attack: session parameters around the policy', () => {
  let stack: Stack;
  let conn: Connection | undefined;
  beforeAll(async () => {
    stack = await startStack({
      tap: true,
      config: (c) => {
        (c.policy as Record<string, unknown>).statements = [{ name: 'case-insensitive-ids', action: 'allow', classes: ['ALTER_OTHER'], objects: ['session://QUOTED_IDENTIFIERS_IGNORE_CASE'] }];
      },
    });
  });
  afterAll(async () => {
    await destroy(conn);
    await stack.close();
  });

  const logins = (): number => stack.tap!.requests.filter((r) => r.path.startsWith('/session/v1/login-request')).length;

  it('refuses a login whose SESSION_PARAMETERS set SEARCH_PATH; nothing reaches Snowflake', async () => {
    const before = logins();
    const env = await loginWith(stack.sidecar.url, await stack.mint(), { SEARCH_PATH: 'secret.pii', QUERY_TAG: 'x' });
    expect(env).toMatchObject({ success: false, code: '003001' });
    expect(env.message).toMatch(/^SQL access control error: session parameter SEARCH_PATH: /);
    expect(logins()).toBe(before);
    expect(stack.memory!.events.at(-1)).toMatchObject({ type: 'auth.failure', info: { reason: 'session_parameter_denied' } });
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_logins_total', { outcome: 'failure', reason: 'session_parameter_denied' })).toBe(1);
  });

  it('refuses a parameter no driver sets and no rule allows, even under a default allow', async () => {
    const env = await loginWith(stack.sidecar.url, await stack.mint(), { CLIENT_SESSION_KEEP_ALIVE: true, ROWS_PER_RESULTSET: 1 });
    expect(env).toMatchObject({ success: false, code: '003001' });
    expect(env.message).toContain('session parameter ROWS_PER_RESULTSET is not one a driver sets itself, and no rule allows setting it');
  });

  it('accepts the driver\'s own parameters and rule-allowed ones, forwards and records them in session.start', async () => {
    const before = stack.tap!.requests.length;
    conn = await stack.connect({ queryTag: 'nightly-etl', clientSessionKeepAlive: true });
    const { rows } = await execute(conn, 'select 1 as one');
    expect(rows).toEqual([{ ONE: 1 }]);
    const start = stack.memory!.events.filter((e) => e.type === 'session.start').at(-1)!;
    expect((start.info as { sessionParameters: Record<string, unknown> }).sessionParameters).toEqual({ QUERY_TAG: 'nightly-etl', CLIENT_SESSION_KEEP_ALIVE: true, CLIENT_REQUEST_MFA_TOKEN: false, CLIENT_STORE_TEMPORARY_CREDENTIAL: false });
    const forwarded = JSON.parse(stack.tap!.requests.slice(before).find((r) => r.path.startsWith('/session/v1/login-request'))!.body) as { data: { SESSION_PARAMETERS: Record<string, unknown> } };
    expect(forwarded.data.SESSION_PARAMETERS).toMatchObject({ QUERY_TAG: 'nightly-etl', CLIENT_REQUEST_MFA_TOKEN: false, CLIENT_STORE_TEMPORARY_CREDENTIAL: false });

    const allowed = await loginWith(stack.sidecar.url, await stack.mint(), { quoted_identifiers_ignore_case: true });
    expect(allowed.success).toBe(true);
    expect((stack.memory!.events.filter((e) => e.type === 'session.start').at(-1)!.info as { sessionParameters: unknown }).sessionParameters).toEqual({ QUOTED_IDENTIFIERS_IGNORE_CASE: true });
  });

  it('denies a query request whose parameters set SEARCH_PATH like the statement; nothing reaches Snowflake', async () => {
    const handle = await rawLogin(stack.sidecar.url, await stack.mint());
    const before = stack.tap!.requests.filter((r) => r.path.startsWith('/queries/v1/query-request')).length;
    const env = await queryWith(stack.sidecar.url, handle, 'select * from orders', { SEARCH_PATH: 'secret.pii' });
    expect(env).toMatchObject({ success: false, code: '003001', data: { sqlState: '42501' } });
    expect(env.message).toMatch(/^SQL access control error: session parameter SEARCH_PATH: /);
    expect(stack.tap!.requests.filter((r) => r.path.startsWith('/queries/v1/query-request')).length).toBe(before);
    expect(stack.memory!.events.at(-1)).toMatchObject({ type: 'query.denied', info: { sqlText: 'select * from orders', parameters: { SEARCH_PATH: 'secret.pii' }, decision: 'deny', reason: expect.stringContaining('SEARCH_PATH') } });
  });

  it('records the accepted query parameters with the statement', async () => {
    const handle = await rawLogin(stack.sidecar.url, await stack.mint());
    const env = await queryWith(stack.sidecar.url, handle, 'select 2 as two', { query_tag: 'step-2' });
    expect(env.success).toBe(true);
    const q = stack.memory!.events.filter((e) => e.type === 'query').at(-1)!;
    expect(q.info).toMatchObject({ sqlText: 'select 2 as two', parameters: { QUERY_TAG: 'step-2' } });
    const forwarded = JSON.parse(stack.tap!.requests.filter((r) => r.path.startsWith('/queries/v1/query-request')).at(-1)!.body) as { parameters: unknown };
    expect(forwarded.parameters).toEqual({ QUERY_TAG: 'step-2' });
  });
});
