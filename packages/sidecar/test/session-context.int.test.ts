import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { destroy, execute, startStack, type Connection, type Stack } from './harness.js';

/** Runs a statement that must fail and returns the driver's error. */
async function failure(conn: Connection, sqlText: string, extra: Record<string, unknown> = {}): Promise<{ code: string; message: string }> {
  try {
    await execute(conn, sqlText, extra);
  } catch (err) {
    const e = err as { code?: unknown; message: string };
    return { code: String(e.code), message: e.message };
  }
  throw new Error(`statement unexpectedly succeeded: ${sqlText}`);
}

describe('session context and the pinned role through the sidecar', () => {
  let stack: Stack;
  let conn: Connection | undefined;
  beforeAll(async () => {
    stack = await startStack({
      config: (c) => {
        c.policy = {
          name: 'etl',
          generation: 1,
          defaultAction: 'allow',
          statements: [{ name: 'no-secret', action: 'deny', objects: ['SECRET.**'], access: 'read', reason: 'SECRET is off limits' }],
          limits: {},
        };
        (c.upstream as Record<string, unknown>).role = 'ETL_ROLE';
      },
    });
    conn = await stack.connect();
    await execute(conn, 'create database secret');
    await execute(conn, 'create database work');
    await execute(conn, 'use database work');
  });
  afterAll(async () => {
    await destroy(conn);
    await stack.close();
  });

  it('refuses a role switch hidden behind ->> or comments (the pin reads classified statements)', async () => {
    for (const sql of ['select 1 ->> use role accountadmin', '/* harmless */ use/**/ROLE\naccountadmin', "execute immediate 'use role accountadmin'"]) {
      const e = await failure(conn!, sql);
      expect(e.code).toBe('003001');
      expect(e.message).toContain('role ETL_ROLE');
    }
  });

  it('judges a request sent while an asynchronous USE is unconfirmed in both contexts', async () => {
    await execute(conn!, 'use database secret', { asyncExec: true });
    // `orders` may now be SECRET.PUBLIC.ORDERS: the deny rule must catch it although the answer did not say.
    const e = await failure(conn!, 'select * from orders');
    expect(e.code).toBe('003001');
    expect(e.message).toContain('SECRET is off limits');
    // a synchronous USE confirmed by its answer makes the context certain again
    await execute(conn!, 'use database work');
    const denied = stack.memory!.events.filter((ev) => ev.type === 'query.denied').at(-1);
    expect(denied!.info).toMatchObject({ sqlText: 'select * from orders' });
    const after = await failure(conn!, 'select * from secret.public.orders');
    expect(after.message).toContain('SECRET is off limits');
  });

  it('refuses with a clear error once too many context changes are unconfirmed, in that session only, until a qualified USE resets it', async () => {
    const other = await stack.connect();
    try {
      await execute(other, 'use database work');
      for (let i = 1; i <= 9; i++) await execute(other, `create schema if not exists work.s${i}`);
      await execute(other, 'use schema work.public');
      const ids: string[] = [];
      for (let i = 1; i <= 9; i++) ids.push((await execute(other, `use schema work.s${i}`, { asyncExec: true })).statement.getQueryId());
      const e = await failure(other, 'select 1');
      expect(e.code).toBe('003001');
      expect(e.message).toContain("the session's current database and schema are uncertain");
      expect((await execute(conn!, 'select 1 as still_fine')).rows).toEqual([{ STILL_FINE: 1 }]);
      // the way out: fetch the asynchronous results (each settles one change), then USE a qualified schema
      for (const queryId of ids) {
        await new Promise<void>((resolve, reject) => {
          const c = other as unknown as { getResultsFromQueryId(o: { queryId: string; complete: (e: Error | undefined) => void }): void };
          c.getResultsFromQueryId({ queryId, complete: (err) => (err ? reject(err) : resolve()) });
        });
      }
      // every change is confirmed now: the session has one context again
      await execute(other, 'use schema work.public');
      expect((await execute(other, 'select 2 as back')).rows).toEqual([{ BACK: 2 }]);
    } finally {
      await destroy(other);
    }
  });
});
