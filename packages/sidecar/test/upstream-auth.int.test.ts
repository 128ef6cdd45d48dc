import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { destroy, execute, startStack, type Stack } from './harness.js';

describe('upstream credentials other than key pairs', () => {
  const stacks: Stack[] = [];
  beforeAll(async () => {
    for (const type of ['pat', 'password'] as const) {
      stacks.push(
        await startStack({
          emulator: { users: [{ name: 'SVC_ETL', password: 'p4ssw0rd', pats: ['pat-secret-1'] }] },
          config: (c) => {
            const dir = String((c.recording as { spoolDir: string }).spoolDir).replace(/\/spool$/, '');
            const file = join(dir, `${type}.txt`);
            (c.upstream as Record<string, unknown>).auth = type === 'pat' ? { type, tokenFile: file } : { type, passwordFile: file };
          },
          beforeStart: async (dir) => {
            await writeFile(join(dir, `${type}.txt`), type === 'pat' ? 'pat-secret-1\n' : 'p4ssw0rd\n');
          },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const s of stacks) await s.close();
  });

  it.each([
    ['PROGRAMMATIC_ACCESS_TOKEN', 0],
    ['SNOWFLAKE', 1],
  ])('logs in upstream with the file credential (%s)', async (authenticator, i) => {
    const stack = stacks[i]!;
    const conn = await stack.connect();
    const { rows } = await execute(conn, 'select 5 as five');
    expect(rows).toEqual([{ FIVE: 5 }]);
    await destroy(conn);
    expect(stack.emulator.logins.map((l) => [l.user, l.authenticator, l.success])).toEqual([['SVC_ETL', authenticator, true]]);
  });
});
