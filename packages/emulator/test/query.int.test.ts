import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { baseOptions, connect, destroy, execute, type Connection } from './driver.js';

describe('statements through snowflake-sdk 3.3.0', () => {
  let emu: EmulatorHandle;
  let conn: Connection;

  beforeAll(async () => {
    emu = await startEmulator({
      account: 'SNOWTRAIL',
      users: [{ name: 'bob', password: 's3cret' }],
      initSql: `
        CREATE DATABASE SHOP;
        CREATE TABLE SHOP.PUBLIC.ORDERS (id INT, customer STRING, amount NUMBER(10,2), placed_at TIMESTAMP_NTZ);
        INSERT INTO SHOP.PUBLIC.ORDERS VALUES (1, 'ada', 12.50, '2024-01-01 10:00:00'), (2, 'bob', 7.25, '2024-01-02 11:30:00');
      `,
    });
    conn = await connect({ ...baseOptions(emu.url), username: 'bob', password: 's3cret', database: 'SHOP', schema: 'PUBLIC', warehouse: 'WH' });
  });
  afterAll(async () => {
    await destroy(conn);
    await emu.close();
  });

  it('round-trips every data type to the JavaScript values the driver documents', async () => {
    const { rows, statement } = await execute(
      conn,
      `select 42 as i, 12345678901234::bigint as big, 12.34::number(10,2) as dec, 1.5::double as dbl, 'hé'::varchar as txt,
        true as yes, false as no, '2024-01-01'::date as d, '01:02:03.5'::time as t,
        '2024-01-01 10:00:00.123456'::timestamp_ntz as ntz, '2024-01-01 10:00:00+01:00'::timestamp_ltz as ltz,
        'Hello'::binary as bin, parse_json('{"a":1,"b":[1,2]}') as v, [1,2,3] as arr, {'k': 'v', 'n': 2} as obj, null::varchar as nothing`,
    );
    const r = rows[0]!;
    expect(r.I).toBe(42);
    expect(r.BIG).toBe(12345678901234);
    expect(r.DEC).toBe(12.34);
    expect(r.DBL).toBe(1.5);
    expect(r.TXT).toBe('hé');
    expect(r.YES).toBe(true);
    expect(r.NO).toBe(false);
    expect((r.D as Date).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(String(r.T)).toBe('01:02:03');
    expect((r.NTZ as Date).getTime()).toBe(Date.UTC(2024, 0, 1, 10, 0, 0, 123));
    expect((r.LTZ as Date).getTime()).toBe(Date.UTC(2024, 0, 1, 9, 0, 0));
    expect(Buffer.isBuffer(r.BIN)).toBe(true);
    expect((r.BIN as Buffer).toString()).toBe('Hello');
    expect(r.V).toEqual({ a: 1, b: [1, 2] });
    expect(r.ARR).toEqual([1, 2, 3]);
    expect(r.OBJ).toEqual({ k: 'v', n: 2 });
    expect(r.NOTHING).toBeNull();
    const types = Object.fromEntries(statement.getColumns()!.map((c) => [c.getName(), c.getType()]));
    expect(types).toMatchObject({
      I: 'fixed', DEC: 'fixed', DBL: 'real', TXT: 'text', YES: 'boolean', D: 'date', T: 'time', NTZ: 'timestamp_ntz',
      LTZ: 'timestamp_ltz', BIN: 'binary', V: 'variant', ARR: 'array', OBJ: 'object',
    });
    const dec = statement.getColumns()!.find((c) => c.getName() === 'DEC')!;
    expect([dec.getPrecision(), dec.getScale()]).toEqual([10, 2]);
  });

  it('names unquoted columns in upper case and keeps quoted names', async () => {
    const { rows } = await execute(conn, 'select id, customer as "Who" from orders order by id');
    expect(rows).toEqual([
      { ID: 1, Who: 'ada' },
      { ID: 2, Who: 'bob' },
    ]);
  });

  it('binds ? and :1 placeholders with the driver types', async () => {
    const a = await execute(conn, 'select id, customer from orders where id = ? and customer = ?', { binds: [2, 'bob'] });
    expect(a.rows).toEqual([{ ID: 2, CUSTOMER: 'bob' }]);
    const b = await execute(conn, 'select :1 + 1 as n, :2 as s, :3 as f, :4 as b', { binds: [41, 'x', 2.5, true] });
    expect(b.rows).toEqual([{ N: 42, S: 'x', F: 2.5, B: true }]);
    const c = await execute(conn, 'select count(*) as n from orders where placed_at > ?', { binds: ['2024-01-01 12:00:00'] });
    expect(c.rows).toEqual([{ N: 1 }]);
  });

  it('runs DML with array binds and reports the updated row counts', async () => {
    await execute(conn, 'create or replace table items (id int, name varchar)');
    const ins = await execute(conn, 'insert into items values (?, ?)', { binds: [[1, 'a'], [2, 'b'], [3, 'c']] });
    expect(ins.statement.getNumUpdatedRows()).toBe(3);
    const upd = await execute(conn, "update items set name = 'z' where id >= 2");
    expect(upd.statement.getNumUpdatedRows()).toBe(2);
    const del = await execute(conn, 'delete from items where id = 1');
    expect(del.statement.getNumUpdatedRows()).toBe(1);
    expect((await execute(conn, 'select id, name from items order by id')).rows).toEqual([
      { ID: 2, NAME: 'z' },
      { ID: 3, NAME: 'z' },
    ]);
  });

  it('surfaces a syntax error with its code and sqlState, and the connection stays usable', async () => {
    const err = await execute(conn, 'selec 1').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '001003', sqlState: '42000' });
    expect((err as Error).message).toMatch(/^SQL compilation error:/);
    expect((await execute(conn, 'select 1 as ok')).rows).toEqual([{ OK: 1 }]);
  });

  it('surfaces a missing table as 002003/42S02 with a query id', async () => {
    const err = (await execute(conn, 'select * from no_such_table').catch((e: unknown) => e)) as { code: string; sqlState: string; message: string; statement: { getQueryId(): string } };
    expect(err).toMatchObject({ code: '002003', sqlState: '42S02' });
    expect(err.message).toContain("'NO_SUCH_TABLE' does not exist or not authorized");
    expect(err.statement.getQueryId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('runs common Snowflake functions DuckDB spells differently', async () => {
    const { rows } = await execute(
      conn,
      `select dateadd(day, 3, '2024-01-01'::date)::date as d, datediff(day, '2024-01-01'::date, '2024-02-01'::date) as n,
        date_trunc(month, '2024-05-17 10:00:00'::timestamp_ntz) as m, to_date('2024-03-04') as t, iff(1 > 0, 'y', 'n') as i,
        nvl(null, 'x') as v, zeroifnull(null) as z, to_varchar(42) as s, div0(1, 0) as q`,
    );
    expect(rows[0]).toMatchObject({ N: 31, I: 'y', V: 'x', Z: 0, S: '42', Q: 0 });
    expect((rows[0]!.D as Date).toISOString()).toBe('2024-01-04T00:00:00.000Z');
    expect((rows[0]!.M as Date).toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect((rows[0]!.T as Date).toISOString()).toBe('2024-03-04T00:00:00.000Z');
  });

  it('handles USE, SHOW, DESCRIBE, IDENTIFIER and CURRENT_* the Snowflake way', async () => {
    await execute(conn, 'create database if not exists lab');
    await execute(conn, 'create schema lab.staging');
    await execute(conn, 'create table lab.staging.t1 (a int, b varchar)');
    const use = await execute(conn, 'use schema lab.staging');
    expect(use.statement.getSessionState?.()).toBeDefined();
    expect((await execute(conn, 'select current_database() d, current_schema() s')).rows).toEqual([{ D: 'LAB', S: 'STAGING' }]);
    const tables = await execute(conn, 'show tables');
    expect(tables.rows.map((r) => r.name)).toEqual(['T1']);
    const dbs = await execute(conn, 'show databases');
    expect(dbs.rows.map((r) => r.name)).toEqual(['LAB', 'SHOP']);
    const desc = await execute(conn, 'describe table t1');
    expect(desc.rows.map((r) => [r.name, r.type])).toEqual([
      ['A', 'NUMBER(38,0)'],
      ['B', 'VARCHAR(16777216)'],
    ]);
    expect((await execute(conn, "select count(*) as n from identifier('shop.public.orders')")).rows).toEqual([{ N: 2 }]);
    await execute(conn, 'use warehouse other_wh');
    await execute(conn, 'use database shop');
    expect((await execute(conn, 'select current_warehouse() w, current_database() d, current_schema() s')).rows).toEqual([
      { W: 'OTHER_WH', D: 'SHOP', S: 'PUBLIC' },
    ]);
  });
});
