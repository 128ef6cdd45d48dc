import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { rawLoginAs, rawQuery } from './raw.js';

/** The statements dbt-snowflake 1.10 runs for a seed, a view, a table and an incremental model. */
describe('what dbt-snowflake sends', () => {
  let emu: EmulatorHandle;
  let token: string;
  const ok = async (sql: string): Promise<(string | null)[][]> => {
    const env = await rawQuery(emu.url, token, sql);
    if (!env.success) throw new Error(`${sql}: ${env.code} ${env.message}`);
    return (env.data.rowset ?? []) as (string | null)[][];
  };

  beforeAll(async () => {
    emu = await startEmulator({ account: 'SNOWTRAIL', users: [{ name: 'dbt', password: 'pw' }], initSql: 'CREATE DATABASE ANALYTICS' });
    token = await rawLoginAs(emu.url, 'dbt', 'pw', 'JavaScript');
    await ok('use database ANALYTICS');
  });
  afterAll(async () => {
    await emu.close();
  });

  it('lists relations with SHOW OBJECTS including the is_dynamic and is_iceberg columns dbt selects', async () => {
    await ok('create or replace transient table ANALYTICS.PUBLIC.T as (select 1 as id)');
    await ok('create or replace view ANALYTICS.PUBLIC.V as (select id from ANALYTICS.PUBLIC.T)');
    const env = await rawQuery(emu.url, token, 'show objects in ANALYTICS.PUBLIC');
    const names = (env.data.rowtype as { name: string }[]).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['database_name', 'schema_name', 'name', 'kind', 'is_dynamic', 'is_iceberg']));
    const at = (n: string): number => names.indexOf(n);
    expect((env.data.rowset ?? []).map((r) => [r[at('name')], r[at('kind')], r[at('is_dynamic')], r[at('is_iceberg')]])).toEqual([
      ['T', 'TABLE', 'N', 'N'],
      ['V', 'VIEW', 'N', 'N'],
    ]);
  });

  it('tags the session with ALTER SESSION SET QUERY_TAG and echoes it in the answers’ parameters', async () => {
    await ok("alter session set query_tag = 'snowtrail-drivers'");
    const env = await rawQuery(emu.url, token, 'select 1');
    expect((env.data.parameters as { name: string; value: unknown }[]).find((p) => p.name === 'QUERY_TAG')?.value).toBe('snowtrail-drivers');
    await ok('alter session unset query_tag');
  });

  it('runs an incremental model: a temporary view of the new rows, MERGE into the target, DROP of the view', async () => {
    await ok('create or replace transient table ANALYTICS.PUBLIC.INC as (select 1 as id, \'a\' as v)');
    await ok("create or replace temporary view ANALYTICS.PUBLIC.INC__dbt_tmp as (select 1 as id, 'b' as v union all select 2, 'c')");
    expect((await ok('describe table ANALYTICS.PUBLIC.INC__dbt_tmp')).map((r) => r[0])).toEqual(['ID', 'V']);
    const merged = await ok(`merge into ANALYTICS.PUBLIC.INC as DBT_INTERNAL_DEST using ANALYTICS.PUBLIC.INC__dbt_tmp as DBT_INTERNAL_SOURCE
      on (DBT_INTERNAL_SOURCE.id = DBT_INTERNAL_DEST.id)
      when matched then update set "ID" = DBT_INTERNAL_SOURCE."ID", "V" = DBT_INTERNAL_SOURCE."V"
      when not matched then insert ("ID", "V") values ("ID", "V")`);
    expect(merged).toHaveLength(1);
    await ok('drop view if exists ANALYTICS.PUBLIC.INC__dbt_tmp cascade');
    expect(await ok('select id, v from ANALYTICS.PUBLIC.INC order by id')).toEqual([['1', 'b'], ['2', 'c']]);
  });

  it('answers SHOW COLUMNS with Snowflake\'s data_type JSON (what snowflake-jdbc\'s getColumns parses)', async () => {
    await ok('create or replace table ANALYTICS.PUBLIC.COLS (id int, price number(10,2), name varchar, created timestamp_ntz)');
    const env = await rawQuery(emu.url, token, 'show columns in table ANALYTICS.PUBLIC.COLS');
    const names = (env.data.rowtype as { name: string }[]).map((c) => c.name);
    const types = (env.data.rowset ?? []).map((r) => JSON.parse(String(r[names.indexOf('data_type')])) as Record<string, unknown>);
    expect(types).toEqual([
      { type: 'FIXED', precision: 38, scale: 0, nullable: true },
      { type: 'FIXED', precision: 10, scale: 2, nullable: true },
      { type: 'TEXT', length: 16777216, byteLength: 16777216, nullable: true, fixed: false },
      { type: 'TIMESTAMP_NTZ', precision: 0, scale: 9, nullable: true },
    ]);
  });
});
