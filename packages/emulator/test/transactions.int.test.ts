import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tableFromIPC } from 'apache-arrow';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { rawLoginAs, rawQuery } from './raw.js';

describe('AUTOCOMMIT = FALSE transactions, RESULT_SCAN and LAST_QUERY_ID', () => {
  let emu: EmulatorHandle;
  const count = async (token: string, table: string): Promise<string> => {
    const env = await rawQuery(emu.url, token, `select count(*) from ${table}`, { parameters: { QUERY_RESULT_FORMAT: 'JSON' } });
    return String(env.data.rowset?.[0]?.[0]);
  };

  beforeAll(async () => {
    emu = await startEmulator({ account: 'SNOWTRAIL', users: [{ name: 'bob', password: 'pw' }], initSql: 'CREATE DATABASE DB; CREATE TABLE DB.PUBLIC.T (ID INT)' });
  });
  afterAll(async () => {
    await emu.close();
  });

  it("opens a transaction at the first statement after autocommit(False); rollback discards it, commit keeps it, others see only what is committed", async () => {
    const a = await rawLoginAs(emu.url, 'bob', 'pw', 'PythonConnector');
    const other = await rawLoginAs(emu.url, 'bob', 'pw', 'JavaScript');
    expect((await rawQuery(emu.url, a, 'ALTER SESSION SET autocommit = False')).success).toBe(true);
    await rawQuery(emu.url, a, 'insert into DB.PUBLIC.T values (1)');
    expect(await count(a, 'DB.PUBLIC.T')).toBe('1');
    expect(await count(other, 'DB.PUBLIC.T')).toBe('0');
    expect((await rawQuery(emu.url, a, 'ROLLBACK')).success).toBe(true);
    expect(await count(a, 'DB.PUBLIC.T')).toBe('0');
    await rawQuery(emu.url, a, 'insert into DB.PUBLIC.T values (2)');
    expect((await rawQuery(emu.url, a, 'COMMIT')).success).toBe(true);
    expect(await count(other, 'DB.PUBLIC.T')).toBe('1');
    // Turning autocommit back on commits what is open.
    await rawQuery(emu.url, a, 'insert into DB.PUBLIC.T values (3)');
    await rawQuery(emu.url, a, 'alter session set AUTOCOMMIT = TRUE');
    expect(await count(other, 'DB.PUBLIC.T')).toBe('2');
  });

  it('answers COMMIT and ROLLBACK without an open transaction with success, as Snowflake does', async () => {
    const t = await rawLoginAs(emu.url, 'bob', 'pw', 'JDBC');
    for (const sql of ['commit', 'rollback', 'begin', 'begin transaction', 'commit work']) expect([sql, (await rawQuery(emu.url, t, sql)).success]).toEqual([sql, true]);
  });

  it('answers SELECT * FROM TABLE(RESULT_SCAN(<id>)) with that query’s rows, in the requester’s format', async () => {
    const py = await rawLoginAs(emu.url, 'bob', 'pw', 'PythonConnector');
    const first = await rawQuery(emu.url, py, "select 42 as answer, 'x' as label");
    const scan = await rawQuery(emu.url, py, `SELECT * FROM TABLE(RESULT_SCAN('${first.data.queryId}'))`);
    expect(scan.data.queryResultFormat).toBe('arrow');
    expect(scan.data.queryId).not.toBe(first.data.queryId);
    const table = tableFromIPC(Buffer.from(scan.data.rowsetBase64 as string, 'base64'));
    expect(table.toArray().map((r) => r.toJSON())).toEqual([{ ANSWER: 42, LABEL: 'x' }]);
    const js = await rawLoginAs(emu.url, 'bob', 'pw', 'JavaScript');
    const again = await rawQuery(emu.url, js, `select * from table(result_scan('${first.data.queryId}'))`);
    expect(again.data.rowset).toEqual([['42', 'x']]);
  });

  it('resolves LAST_QUERY_ID() to the session’s previous query, usable inside RESULT_SCAN', async () => {
    const t = await rawLoginAs(emu.url, 'bob', 'pw', 'JavaScript');
    const first = await rawQuery(emu.url, t, 'select 7 as seven');
    const second = await rawQuery(emu.url, t, 'select last_query_id() as id, last_query_id(1) as first');
    expect(second.data.rowset).toEqual([[first.data.queryId, expect.any(String)]]);
    const scan = await rawQuery(emu.url, t, 'select * from table(result_scan(last_query_id(-2)))');
    expect(scan.data.rowset).toEqual([['7']]);
  });

  it('fails a RESULT_SCAN of an unknown query with 000709', async () => {
    const t = await rawLoginAs(emu.url, 'bob', 'pw', 'JavaScript');
    const env = await rawQuery(emu.url, t, "select * from table(result_scan('01b2c3d4-0000-0000-0000-000000000000'))");
    expect([env.success, env.code, (env.data as { sqlState?: string }).sqlState]).toEqual([false, '000709', '02000']);
  });
});
