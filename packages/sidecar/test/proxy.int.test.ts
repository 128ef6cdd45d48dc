import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { destroy, execute, metricValue, startStack, type Connection, type Stack } from './harness.js';

describe('snowflake-sdk → sidecar → emulator', () => {
  let stack: Stack;
  let conn: Connection | undefined;
  beforeAll(async () => {
    stack = await startStack();
    conn = await stack.connect();
  });
  afterAll(async () => {
    await destroy(conn);
    await stack.close();
  });

  it('runs a statement and the emulator only ever sees the sidecar\'s key-pair login', async () => {
    const { rows } = await execute(conn!, 'select id, amount, region from orders order by id');
    expect(rows).toEqual([
      { ID: 1, AMOUNT: 10.5, REGION: 'eu' },
      { ID: 2, AMOUNT: 20.25, REGION: 'us' },
      { ID: 3, AMOUNT: 5, REGION: 'eu' },
    ]);
    expect(stack.emulator.logins.length).toBeGreaterThan(0);
    expect(stack.emulator.logins.every((l) => l.user === 'SVC_ETL' && l.authenticator === 'SNOWFLAKE_JWT' && l.success)).toBe(true);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_logins_total', { outcome: 'success' })).toBe(1);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_active_sessions')).toBe(1);
  });

  it('binds work through the sidecar', async () => {
    const { rows } = await execute(conn!, 'select id from orders where region = ? and amount > ? order by id', { binds: ['eu', 6] });
    expect(rows).toEqual([{ ID: 1 }]);
  });
});
