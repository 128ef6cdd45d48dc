import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { destroy, execute, startStack, type Stack } from './harness.js';

describe('logs never carry SQL, binds, rows or credentials', () => {
  let stack: Stack;
  const lines: string[] = [];
  let token = '';
  beforeAll(async () => {
    stack = await startStack({ logSink: lines, config: (c) => ((c.policy as Record<string, unknown>).statements = [{ action: 'deny', classes: ['DELETE'], reason: 'no deletes' }]) });
    token = await stack.mint();
    const conn = await stack.connect({ token });
    await execute(conn, "select 'SECRET-LITERAL-7731' as s, amount from orders where region = ?", { binds: ['BIND-VALUE-4242'] });
    await expect(execute(conn, "delete from orders where region = 'DENIED-LITERAL-99'")).rejects.toMatchObject({ code: '003001' });
    stack.emulator.faults.expireSessions();
    await execute(conn, 'select 1');
    await destroy(conn);
  });
  afterAll(() => stack.close());

  it('logs at debug level without any statement text, bind, row value, token or key', () => {
    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(3);
    expect(all).toContain('session opened');
    expect(all).toContain('statement denied');
    for (const secret of ['SECRET-LITERAL-7731', 'BIND-VALUE-4242', 'DENIED-LITERAL-99', 'select ', 'delete ', '10.5', token, token.split('.')[2]!, 'snowtrail:s:', 'snowtrail:m:', 'PRIVATE KEY']) {
      expect(all).not.toContain(secret);
    }
  });
});
