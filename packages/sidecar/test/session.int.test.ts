import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { destroy, execute, metricValue, startStack, type Connection, type Stack, type Statement } from './harness.js';

/** Runs a multi-statement text and collects every child's rows in order. */
function executeMulti(conn: Connection, sqlText: string, count: number): Promise<Record<string, unknown>[][]> {
  return new Promise((resolve, reject) => {
    const results: Record<string, unknown>[][] = [];
    conn.execute({
      sqlText,
      parameters: { MULTI_STATEMENT_COUNT: count },
      complete: (err: Error | undefined, stmt: Statement, rows: unknown[] | undefined) => {
        if (err) return reject(err);
        results.push((rows ?? []) as Record<string, unknown>[]);
        const s = stmt as unknown as { hasNext(): boolean; NextResult(): void };
        if (s.hasNext()) s.NextResult();
        else resolve(results);
      },
    } as never);
  });
}

describe('session features through the sidecar', () => {
  let stack: Stack;
  let conn: Connection | undefined;
  beforeAll(async () => {
    stack = await startStack({ emulator: { queryWaitMs: 200 } });
    conn = await stack.connect();
  });
  afterAll(async () => {
    await destroy(conn);
    await stack.close();
  });

  it('runs a multi-statement text and returns every child result', async () => {
    const results = await executeMulti(conn!, 'select 1 as a; select count(*) as n from orders', 2);
    expect(results).toEqual([[{ A: 1 }], [{ N: 3 }]]);
  });

  it('runs a statement asynchronously and fetches its result by query id', async () => {
    const { statement } = await execute(conn!, 'select 42 as answer', { asyncExec: true });
    const queryId = statement.getQueryId();
    expect(queryId).toMatch(/^[0-9a-f-]{36}$/);
    const rows = await new Promise<unknown[]>((resolve, reject) => {
      const c = conn as unknown as { getResultsFromQueryId(o: { queryId: string; complete: (e: Error | undefined, s: unknown, r: unknown[]) => void }): void };
      c.getResultsFromQueryId({ queryId, complete: (e, _s, r) => (e ? reject(e) : resolve(r)) });
    });
    expect(rows).toEqual([{ ANSWER: 42 }]);
  });

  it('follows a slow statement through 333333 polls', async () => {
    const polls = stack.memory!.events.length;
    const { statement } = await execute(conn!, 'call system$wait(1)');
    expect(statement.getQueryId()).toMatch(/^[0-9a-f-]{36}$/);
    const ended = stack.memory!.events.slice(polls).find((e) => e.type === 'query.end');
    expect(ended?.info).toMatchObject({ status: 'success', queryId: statement.getQueryId() });
  });

  it('cancels a running statement', async () => {
    const outcome = new Promise<Error | undefined>((resolve) => {
      const stmt = conn!.execute({ sqlText: 'call system$wait(20)', complete: (err: Error | undefined) => resolve(err) } as never);
      setTimeout(() => stmt.cancel(() => undefined), 400);
    });
    const err = (await outcome) as Error & { code?: string };
    expect(err).toBeDefined();
    expect(String(err.code)).toBe('000604');
    const { rows } = await execute(conn!, 'select 1 as still_usable');
    expect(rows).toEqual([{ STILL_USABLE: 1 }]);
    expect(stack.memory!.events.some((e) => e.type === 'query.abort')).toBe(true);
  });

  it('renews an expired session transparently (390112 → token-request with handles)', async () => {
    expect(stack.emulator.faults.expireSessions()).toBeGreaterThan(0);
    const { rows } = await execute(conn!, 'select 7 as after_renewal');
    expect(rows).toEqual([{ AFTER_RENEWAL: 7 }]);
    expect(stack.memory!.events.some((e) => e.type === 'token.renewed')).toBe(true);
    const { rows: again } = await execute(conn!, 'select 8 as x');
    expect(again).toEqual([{ X: 8 }]);
  });

  it('answers heartbeats through the mapping', async () => {
    const ok = await new Promise<boolean>((resolve) => (conn as unknown as { isValidAsync(): Promise<boolean> }).isValidAsync().then(resolve, () => resolve(false)));
    expect(ok).toBe(true);
  });

  it('recorded the statements in order: query before its result and end', async () => {
    const ev = stack.memory!.events.filter((e) => e.session !== undefined);
    expect(ev[0]!.type).toBe('session.start');
    const start = ev[0]!.info as { identity: { podName: string; namespace: string; serviceAccount: string }; snowflake: { user: string } };
    expect(start.identity).toMatchObject({ podName: 'etl-7d9f-abcde', namespace: 'pipelines', serviceAccount: 'etl' });
    expect(start.snowflake.user).toBe('SVC_ETL');
    const q = ev.findIndex((e) => e.type === 'query' && (e.info as { sqlText: string }).sqlText === 'select 1 as still_usable');
    const r = ev.findIndex((e, i) => i > q && e.type === 'result');
    const end = ev.findIndex((e, i) => i > q && e.type === 'query.end');
    expect(q).toBeGreaterThan(0);
    expect(r).toBeGreaterThan(q);
    expect(end).toBeGreaterThan(r);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_statements_total', { outcome: 'allowed', class: 'SELECT' })).toBeGreaterThan(3);
  });

  it('refuses a statement the recording cannot take (required mode): 399502, never forwarded', async () => {
    stack.memory!.failing = true;
    try {
      await expect(execute(conn!, "insert into orders values (9, 1.0, 'xx')")).rejects.toMatchObject({ code: '399502' });
    } finally {
      stack.memory!.failing = false;
    }
    const { rows } = await execute(conn!, 'select count(*) as n from orders');
    expect(rows).toEqual([{ N: 3 }]);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_statements_total', { outcome: 'refused', class: 'INSERT' })).toBe(1);
  });

  it('ends the session on logout and the handle stops working', async () => {
    await destroy(conn);
    conn = undefined;
    expect(stack.memory!.events.some((e) => e.type === 'session.end')).toBe(true);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_active_sessions')).toBe(0);
  });
});
