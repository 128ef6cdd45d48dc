import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { baseOptions, connect, destroy, execute, type Connection } from './driver.js';

interface Operation {
  id: number;
  operation: string;
  objects?: string[];
  expressions?: string[];
  parentOperators?: number[];
}

/** Runs EXPLAIN USING JSON and parses the one cell of its answer. */
async function explain(conn: Connection, sqlText: string, binds?: unknown[]): Promise<{ GlobalStats: Record<string, number>; Operations: Operation[][]; column: string }> {
  const { rows } = await execute(conn, `EXPLAIN USING JSON ${sqlText}`, binds ? { binds } : {});
  expect(rows).toHaveLength(1);
  const [column, text] = Object.entries(rows[0]!)[0]!;
  return { ...(JSON.parse(String(text)) as { GlobalStats: Record<string, number>; Operations: Operation[][] }), column };
}

const scanned = (ops: Operation[][]): string[] => ops.flat().filter((o) => o.operation === 'TableScan').flatMap((o) => o.objects ?? []);

describe('EXPLAIN USING JSON through snowflake-sdk', () => {
  let emu: EmulatorHandle;
  let conn: Connection;

  beforeAll(async () => {
    emu = await startEmulator({
      account: 'SNOWTRAIL',
      users: [{ name: 'bob', password: 's3cret' }],
      initSql: `
        CREATE DATABASE RAW;
        CREATE SCHEMA RAW.SECRET;
        CREATE TABLE RAW.SECRET.T (a INT, b STRING);
        INSERT INTO RAW.SECRET.T VALUES (1, 'x');
        CREATE DATABASE ANALYTICS;
        CREATE TABLE ANALYTICS.PUBLIC.U (a INT);
        CREATE TABLE ANALYTICS.PUBLIC."Mixed" (a INT);
        CREATE VIEW ANALYTICS.PUBLIC.V AS SELECT * FROM RAW.SECRET.T;
      `,
    });
    conn = await connect({ ...baseOptions(emu.url), username: 'bob', password: 's3cret', database: 'ANALYTICS', schema: 'PUBLIC', warehouse: 'WH' });
  });
  afterAll(async () => {
    await destroy(conn);
    await emu.close();
  });

  it("answers one row, one `content` column of Snowflake's JSON plan, a Result on top", async () => {
    const plan = await explain(conn, 'select a from U where a > 1');
    expect(plan.column).toBe('content');
    expect(plan.GlobalStats).toEqual({ partitionsTotal: 0, partitionsAssigned: 0, bytesAssigned: 0 });
    const ops = plan.Operations[0]!;
    expect(ops[0]).toMatchObject({ id: 0, operation: 'Result' });
    expect(ops.map((o) => o.operation)).toEqual(expect.arrayContaining(['Result', 'Filter', 'TableScan']));
    const scan = ops.find((o) => o.operation === 'TableScan')!;
    expect(scan).toMatchObject({ objects: ['ANALYTICS.PUBLIC.U'], partitionsAssigned: 0, partitionsTotal: 0, bytesAssigned: 0 });
    expect(scan.parentOperators).toHaveLength(1);
    expect(ops.find((o) => o.operation === 'Filter')!.expressions!.join(' ')).toContain('A');
  });

  it("shows a view's base table, fully qualified, even when the view's name is all the text shows", async () => {
    expect(scanned((await explain(conn, 'select * from V')).Operations)).toEqual(['RAW.SECRET.T']);
  });

  it('names every table of a join, quoted names exactly, as Join operations', async () => {
    const plan = await explain(conn, 'select u.a from U u join "Mixed" m on u.a = m.a join RAW.SECRET.T t on t.a = u.a');
    expect(scanned(plan.Operations).sort()).toEqual(['ANALYTICS.PUBLIC."Mixed"', 'ANALYTICS.PUBLIC.U', 'RAW.SECRET.T']);
    expect(plan.Operations[0]!.filter((o) => o.operation === 'Join')).toHaveLength(2);
  });

  it('compiles without executing: an explained INSERT changes nothing', async () => {
    const plan = await explain(conn, 'insert into U select a from RAW.SECRET.T');
    expect(plan.Operations[0]![0]!.operation).toBe('Insert');
    expect(scanned(plan.Operations)).toEqual(['RAW.SECRET.T']);
    const { rows } = await execute(conn, 'select count(*) as n from U');
    expect(rows).toEqual([{ N: 0 }]);
  });

  it('explains a statement with binds', async () => {
    expect(scanned((await explain(conn, 'select b from RAW.SECRET.T where a = ?', [1])).Operations)).toEqual(['RAW.SECRET.T']);
  });

  it('answers EXPLAIN (TABULAR by default) a row an operation, and USING TEXT one indented cell', async () => {
    const { rows } = await execute(conn, 'explain select * from V');
    expect(Object.keys(rows[0]!)).toEqual(['step', 'id', 'parentOperators', 'operation', 'objects', 'alias', 'expressions', 'partitionsTotal', 'partitionsAssigned', 'bytesAssigned']);
    expect(rows[0]).toMatchObject({ step: null, operation: 'GlobalStats', partitionsTotal: 0 });
    expect(rows.find((r) => r.operation === 'TableScan')).toMatchObject({ step: 1, objects: 'RAW.SECRET.T' });
    const text = await execute(conn, 'explain using text select * from V');
    expect(String(text.rows[0]!.content)).toMatch(/^GlobalStats:[\s\S]*Operations:[\s\S]*->TableScan {2}RAW\.SECRET\.T/);
  });

  it('fails like a compilation error for a missing table, and leaves the session usable', async () => {
    await expect(explain(conn, 'select * from NOPE')).rejects.toMatchObject({ code: '002003' });
    const { rows } = await execute(conn, 'select 1 as one');
    expect(rows).toEqual([{ ONE: 1 }]);
  });
});
