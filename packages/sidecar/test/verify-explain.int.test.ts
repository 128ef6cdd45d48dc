import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { classifySql, decide, statementPolicySchema, type StatementPolicyInput } from '@snowtrail/policy';
import { destroy, execute, metricValue, startStack, type Connection, type Stack } from './harness.js';
import { rawLogin, rawQuery } from './raw-client.js';

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

/** Reads and writes in ANALYTICS.PUBLIC only; RAW.SECRET is no one's. */
const POLICY: StatementPolicyInput = {
  name: 'analytics',
  generation: 1,
  defaultAction: 'deny',
  verify: 'explain',
  statements: [
    { name: 'read-analytics', action: 'allow', access: 'read', objects: ['ANALYTICS.PUBLIC.*'] },
    { name: 'write-analytics', action: 'allow', access: 'write', objects: ['ANALYTICS.PUBLIC.*'] },
    { name: 'run-literals', action: 'allow', classes: ['EXECUTE_IMMEDIATE'] },
  ],
};

const VIEW_READ = 'select * from ANALYTICS.PUBLIC.V';

describe('policy.verify: explain through the sidecar (Snowflake\'s plan confirms what a statement reads)', () => {
  let stack: Stack;
  let conn: Connection | undefined;
  const planMetric = (outcome: string): Promise<number> => metricValue(stack.registry, 'snowtrail_sidecar_plan_verifications_total', { outcome });
  beforeAll(async () => {
    stack = await startStack({
      emulator: {
        initSql: [
          'CREATE DATABASE RAW', 'CREATE SCHEMA RAW.SECRET', 'CREATE TABLE RAW.SECRET.T (a INTEGER, b VARCHAR)', "INSERT INTO RAW.SECRET.T VALUES (1, 'sk-live-1')",
          'CREATE DATABASE ANALYTICS', 'CREATE TABLE ANALYTICS.PUBLIC.U (a INTEGER)', 'INSERT INTO ANALYTICS.PUBLIC.U VALUES (7)',
          'CREATE VIEW ANALYTICS.PUBLIC.V AS SELECT * FROM RAW.SECRET.T',
        ].join(';\n'),
      },
      config: (c) => {
        c.policy = POLICY;
      },
    });
    conn = await stack.connect();
  });
  afterAll(async () => {
    await destroy(conn);
    await stack.close();
  });

  it('the text alone allows reading the view: only the plan shows its base table', () => {
    const policy = statementPolicySchema.parse(POLICY);
    expect(decide(classifySql(VIEW_READ, {}), policy).action).toBe('allow');
  });

  it('allows an ordinary read and records the tables its plan scans', async () => {
    const { rows } = await execute(conn!, 'select a from ANALYTICS.PUBLIC.U where a > 0');
    expect(rows).toEqual([{ A: 7 }]);
    const started = stack.memory!.events.filter((ev) => ev.type === 'query').map((ev) => ev.info as { sqlText: string; planObjects?: string[] });
    expect(started.find((q) => q.sqlText.includes('ANALYTICS.PUBLIC.U'))?.planObjects).toEqual(['ANALYTICS.PUBLIC.U']);
    expect(await planMetric('allowed')).toBeGreaterThanOrEqual(1);
  });

  it("denies reading a view whose plan scans a table no rule allows, naming the base table, and records the plan's objects", async () => {
    const e = await failure(conn!, VIEW_READ);
    expect(e).toEqual({
      code: '003001',
      sqlState: '42501',
      message: "SQL access control error: Snowflake's plan of the statement shows it reads more than its text: SELECT statement reads RAW.SECRET.T, which no rule allows for reading",
    });
    const denied = stack.memory!.events.filter((ev) => ev.type === 'query.denied').map((ev) => ev.info as { sqlText: string; planObjects?: string[]; reason?: string });
    const mine = denied.find((d) => d.sqlText === VIEW_READ)!;
    expect(mine.planObjects).toEqual(['RAW.SECRET.T']);
    expect(mine.reason).toContain('RAW.SECRET.T');
    expect(await planMetric('plan_read_denied')).toBe(1);
  });

  it('denies laundering through the view into an allowed table, and the INSERT never ran', async () => {
    const e = await failure(conn!, 'insert into ANALYTICS.PUBLIC.U select a from ANALYTICS.PUBLIC.V');
    expect(e.code).toBe('003001');
    expect(e.message).toContain('reads RAW.SECRET.T');
    const { rows } = await execute(conn!, 'select count(*) as n from ANALYTICS.PUBLIC.U');
    expect(rows).toEqual([{ N: 1 }]);
  });

  it('denies (fails closed) when EXPLAIN itself fails, and allows again once Snowflake answers', async () => {
    const before = await planMetric('plan_unavailable');
    // The upstream client tries three times; every EXPLAIN attempt fails.
    stack.emulator.faults.set({ serverError: { count: 3, status: 503, target: 'query' } });
    const e = await failure(conn!, 'select a from ANALYTICS.PUBLIC.U');
    stack.emulator.faults.clear();
    expect(e.code).toBe('003001');
    expect(e.message).toBe("SQL access control error: the policy verifies reads with Snowflake's plan, and no plan of this SELECT statement could be had (EXPLAIN did not answer); it was not run");
    expect(await planMetric('plan_unavailable')).toBe(before + 1);
    const denied = stack.memory!.events.filter((ev) => ev.type === 'query.denied').map((ev) => ev.info as { reason?: string });
    expect(denied.some((d) => d.reason?.includes('no plan of this SELECT statement could be had'))).toBe(true);
    const { rows } = await execute(conn!, 'select a from ANALYTICS.PUBLIC.U');
    expect(rows).toEqual([{ A: 7 }]);
  });

  it('does not let EXECUTE IMMEDIATE carry the view read past the plan: what cannot be explained is denied', async () => {
    const sql = "execute immediate 'select * from ANALYTICS.PUBLIC.V'";
    expect(decide(classifySql(sql, {}), statementPolicySchema.parse(POLICY)).action).toBe('allow');
    const e = await failure(conn!, sql);
    expect(e.code).toBe('003001');
    expect(e.message).toContain('no plan of this EXECUTE_IMMEDIATE statement could be had');
  });

  it('denies a statement whose plan cannot be compiled (EXPLAIN answers an error)', async () => {
    const e = await failure(conn!, 'select a from ANALYTICS.PUBLIC.MISSING');
    expect(e.code).toBe('003001');
    expect(e.message).toContain('no plan of this SELECT statement could be had');
  });

  it('reads the plan of an Arrow session (JDBC\'s default format) and judges it the same way', async () => {
    const handle = await rawLogin(stack.sidecar.url, await stack.mint(), { app: 'JDBC', version: '3.24.2' });
    const ordinary = await rawQuery(stack.sidecar.url, handle, 'select a from ANALYTICS.PUBLIC.U');
    expect(ordinary.success).toBe(true);
    expect(ordinary.data.queryResultFormat).toBe('arrow');
    const viaView = await rawQuery(stack.sidecar.url, handle, VIEW_READ);
    expect(viaView).toMatchObject({ success: false, code: '003001' });
    expect(viaView.message).toContain('RAW.SECRET.T');
  });
});
