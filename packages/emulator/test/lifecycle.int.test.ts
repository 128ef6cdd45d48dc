import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { baseOptions, connect, destroy, execute, type Connection, type Statement } from './driver.js';
import { post, rawLogin, rawQuery } from './raw.js';

/** Runs a multi-statement text and collects each child's rows in order. */
function executeMulti(conn: Connection, sqlText: string, count: number | undefined): Promise<Record<string, unknown>[][]> {
  const results: Record<string, unknown>[][] = [];
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      ...(count === undefined ? {} : { parameters: { MULTI_STATEMENT_COUNT: count } }),
      complete: (err: Error | undefined, stmt: Statement & { hasNext?: () => boolean; NextResult?: () => void }, rows: unknown[] | undefined) => {
        if (err) return reject(err);
        results.push((rows ?? []) as Record<string, unknown>[]);
        if (stmt.hasNext?.()) stmt.NextResult!();
        else resolve(results);
      },
    } as never);
  });
}

/** Starts a statement and returns it with a promise of its outcome. */
function start(conn: Connection, sqlText: string): { statement: Statement; done: Promise<{ err?: Error & { code?: string; sqlState?: string }; rows?: unknown[] }> } {
  let statement!: Statement;
  const done = new Promise<{ err?: Error; rows?: unknown[] }>((resolve) => {
    statement = conn.execute({ sqlText, complete: (err: Error | undefined, _s: Statement, rows: unknown[] | undefined) => resolve(err ? { err } : { rows: rows ?? [] }) } as never);
  });
  return { statement, done };
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('statement lifecycle with a short server wait window (333333 answers)', () => {
  let emu: EmulatorHandle;
  let conn: Connection;

  beforeAll(async () => {
    emu = await startEmulator({ account: 'SNOWTRAIL', users: [{ name: 'bob', password: 's3cret' }], queryWaitMs: 150 });
    conn = await connect({ ...baseOptions(emu.url), username: 'bob', password: 's3cret' });
  });
  afterAll(async () => {
    await destroy(conn);
    await emu.close();
  });

  it('answers a long-running statement with 333333 and a relative, long-polled result URL', async () => {
    const token = await rawLogin(emu.url, 'bob', 's3cret');
    const first = await rawQuery(emu.url, token, "select system$wait(600, 'MILLISECONDS')");
    expect(first).toMatchObject({ success: true, code: '333333' });
    expect(first.data.getResultUrl).toBe(`/queries/${first.data.queryId}/result`);
    let env = first;
    let polls = 0;
    while (env.code === '333333') {
      const res = await fetch(`${emu.url}${String(env.data.getResultUrl ?? `/queries/${first.data.queryId}/result`)}`, {
        headers: { authorization: `Snowflake Token="${token}"`, accept: 'application/snowflake' },
      });
      env = (await res.json()) as typeof env;
      polls++;
    }
    expect(env.success).toBe(true);
    expect(env.data.rowset).toEqual([['waited 0.6 seconds']]);
    // Long-polling: a 600 ms statement with a 150 ms window takes a handful of polls, not thousands.
    expect(polls).toBeLessThan(20);
  });

  it('lets snowflake-sdk wait out a long-running statement transparently', async () => {
    const { rows } = await execute(conn, 'call system$wait(1)');
    expect(rows).toEqual([{ SYSTEM$WAIT: 'waited 1 seconds' }]);
  });

  it('runs asyncExec statements: 333334, monitoring status, then results by query id', async () => {
    const { statement } = await execute(conn, "select system$wait(800, 'MILLISECONDS')", { asyncExec: true });
    const queryId = statement.getQueryId();
    expect(queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await conn.getQueryStatus(queryId)).toBe('RUNNING');
    const rows = await new Promise<unknown[]>((resolve, reject) => {
      void conn.getResultsFromQueryId({ queryId, complete: (err: Error | undefined, _s: Statement, r: unknown[] | undefined) => (err ? reject(err) : resolve(r ?? [])) } as never);
    });
    expect(rows).toEqual([{ "SYSTEM$WAIT(800, 'MILLISECONDS')": 'waited 0.8 seconds' }]);
    expect(await conn.getQueryStatus(queryId)).toBe('SUCCESS');
  });

  it('fetches a finished result again by query id', async () => {
    const { statement } = await execute(conn, 'select 7 as seven');
    const rows = await new Promise<unknown[]>((resolve, reject) => {
      conn.fetchResult({ queryId: statement.getQueryId(), complete: (err: Error | undefined, _s: Statement, r: unknown[] | undefined) => (err ? reject(err) : resolve(r ?? [])) } as never);
    });
    expect(rows).toEqual([{ SEVEN: 7 }]);
  });

  it('cancels a statement by query id; the pending poll gets 000604/57014', async () => {
    const { statement, done } = start(conn, 'call system$wait(30)');
    // Once the 333333 answer has given the driver a query id, cancel() aborts by id.
    while (!statement.getQueryId()) await wait(20);
    await new Promise<void>((resolve, reject) => statement.cancel((err) => (err ? reject(err) : resolve())));
    const { err } = await done;
    expect(err).toMatchObject({ code: '000604', sqlState: '57014' });
    expect(await conn.getQueryStatus(statement.getQueryId())).toBe('ABORTED');
  });
});

describe('statement lifecycle with the default wait window', () => {
  let emu: EmulatorHandle;
  let conn: Connection;

  beforeAll(async () => {
    emu = await startEmulator({ account: 'SNOWTRAIL', users: [{ name: 'bob', password: 's3cret' }] });
    conn = await connect({ ...baseOptions(emu.url), username: 'bob', password: 's3cret' });
  });
  afterAll(async () => {
    await destroy(conn);
    await emu.close();
  });

  it('cancels a statement by request id while its query-request is still pending', async () => {
    const { statement, done } = start(conn, 'call system$wait(30)');
    await wait(200);
    expect(statement.getQueryId()).toBeUndefined();
    await new Promise<void>((resolve, reject) => statement.cancel((err) => (err ? reject(err) : resolve())));
    const { err } = await done;
    expect(err).toMatchObject({ code: '000604', sqlState: '57014', message: 'SQL execution canceled' });
    expect((await execute(conn, 'select 1 as still_usable')).rows).toEqual([{ STILL_USABLE: 1 }]);
  });

  it('cancels a running DuckDB query by interrupting it', async () => {
    const { statement, done } = start(conn, 'select count(*) from range(100000000000) a');
    await wait(300);
    await new Promise<void>((resolve, reject) => statement.cancel((err) => (err ? reject(err) : resolve())));
    expect((await done).err).toMatchObject({ code: '000604', sqlState: '57014' });
  });

  it('runs multi-statement text with MULTI_STATEMENT_COUNT, one result per child', async () => {
    const results = await executeMulti(conn, "create or replace table m (a int); insert into m values (1), (2); select sum(a) as total from m; select 'x;y' as s", 4);
    expect(results).toEqual([[{ status: 'Table M successfully created.' }], [{ 'number of rows inserted': 2 }], [{ TOTAL: 3 }], [{ S: 'x;y' }]]);
  });

  it('refuses several statements without MULTI_STATEMENT_COUNT (000008)', async () => {
    const err = await execute(conn, 'select 1; select 2').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '000008', message: 'Actual statement count 2 did not match the desired statement count 1.' });
  });

  it('keeps ALTER SESSION parameters: MULTI_STATEMENT_COUNT = 0 allows any number of statements', async () => {
    const other = await connect({ ...baseOptions(emu.url), username: 'bob', password: 's3cret' });
    try {
      await execute(other, 'alter session set MULTI_STATEMENT_COUNT = 0');
      const results = await executeMulti(other, 'select 1 as a; select 2 as b', undefined);
      expect(results).toEqual([[{ A: 1 }], [{ B: 2 }]]);
      await execute(other, 'alter session unset MULTI_STATEMENT_COUNT');
      await expect(execute(other, 'select 1; select 2')).rejects.toMatchObject({ code: '000008' });
    } finally {
      await destroy(other);
    }
  });

  it('cancels a statement past STATEMENT_TIMEOUT_IN_SECONDS with 000630', async () => {
    const err = await execute(conn, 'call system$wait(30)', { parameters: { STATEMENT_TIMEOUT_IN_SECONDS: 1 } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '000630', sqlState: '57014', message: 'Statement reached its statement or warehouse timeout of 1 second(s) and was canceled.' });
  });

  it('renews the session transparently after a forced 390112, without logging in again', async () => {
    const loginsBefore = emu.logins.length;
    expect(emu.faults.expireSessions()).toBeGreaterThan(0);
    expect((await execute(conn, 'select 5 as five')).rows).toEqual([{ FIVE: 5 }]);
    expect(emu.logins.length).toBe(loginsBefore);
    expect(emu.faults.stats().sessionsExpired).toBeGreaterThan(0);
  });

  it('answers token-request renewals with sessionToken, masterToken and both validities', async () => {
    const login = await post(emu.url, '/session/v1/login-request?requestId=r1', { data: { LOGIN_NAME: 'bob', PASSWORD: 's3cret', AUTHENTICATOR: 'SNOWFLAKE' } });
    const token = login.data.token!;
    const master = String(login.data.masterToken);
    emu.faults.expireSessions();
    const expired = await rawQuery(emu.url, token, 'select 1');
    expect(expired).toMatchObject({ success: false, code: '390112' });
    const renewed = await post(emu.url, '/session/token-request', { requestType: 'RENEW', oldSessionToken: token }, master);
    expect(renewed.success).toBe(true);
    expect(renewed.data).toMatchObject({ masterToken: master, validityInSecondsST: 3600, validityInSecondsMT: 14400 });
    expect(renewed.data.sessionToken).not.toBe(token);
    expect((await rawQuery(emu.url, String(renewed.data.sessionToken), 'select 1 as one')).data.rowset).toEqual([['1']]);
    const heartbeat = await post(emu.url, '/session/heartbeat?requestId=h1', undefined, String(renewed.data.sessionToken));
    expect(heartbeat.success).toBe(true);
    const bye = await post(emu.url, '/session?delete=true&requestId=d1', undefined, String(renewed.data.sessionToken));
    expect(bye.success).toBe(true);
    expect(await rawQuery(emu.url, String(renewed.data.sessionToken), 'select 1')).toMatchObject({ success: false, code: '390104' });
  });

  it('answers a resubmitted requestId with the original statement instead of running it again', async () => {
    const token = await rawLogin(emu.url, 'bob', 's3cret');
    await rawQuery(emu.url, token, 'create or replace table once (a int)');
    const submit = (): Promise<Awaited<ReturnType<typeof post>>> => post(emu.url, '/queries/v1/query-request?requestId=0b7c1f38-6a50-4d8e-9b1e-2a7c9f6f1c11', { sqlText: 'insert into once values (1)' }, token);
    const first = await submit();
    const again = await submit();
    expect(again.data.queryId).toBe(first.data.queryId);
    expect((await rawQuery(emu.url, token, 'select count(*) as n from once')).data.rowset).toEqual([['1']]);
  });

  it('validates the connection with a heartbeat', async () => {
    expect(await conn.isValidAsync()).toBe(true);
  });
});
