import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDirStore, listSessionIds, loadStoreKeys, verifySession } from '@snowtrail/recording';
import { connect, destroy, execute } from '@snowtrail/devkit';
import { isDbtInstalled, runDbt, type DbtTarget } from '../src/dbt.js';
import { ROOT } from '../src/run-harness.js';
import { startSuiteStack, SUITE_ACCOUNT, SUITE_USER, type SuiteStack } from '../src/stack.js';

const installed = isDbtInstalled();

function snowtrail(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'packages', 'cli', 'src', 'main.ts'), ...args], { cwd: ROOT, timeout: 120_000 }, (err, stdout) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
}

describe('dbt through the sidecar: seed, view, table, incremental model (MERGE) and tests', () => {
  let stack: SuiteStack;
  let target: DbtTarget;
  const runs: { code: number; output: string }[] = [];

  beforeAll(async () => {
    console.log(installed ? 'dbt suite: running dbt-snowflake from .drivers/dbt-venv' : 'dbt suite: dbt not installed (run scripts/install-drivers.sh)');
    if (!installed) return;
    stack = await startSuiteStack(['DRV_DBT']);
    const url = new URL(stack.sidecar.url);
    const tokenFile = join(stack.dir, 'token');
    target = { account: SUITE_ACCOUNT, host: url.hostname, port: Number(url.port), database: 'DRV_DBT', tokenFile, workDir: stack.dir };
    // Each dbt invocation reads the (rotated) projected token file afresh.
    await writeFile(tokenFile, await stack.mint());
    runs.push(await runDbt(target, ['build']));
    // The second build runs the incremental model as a MERGE of the new rows.
    await writeFile(tokenFile, await stack.mint());
    runs.push(await runDbt(target, ['build']));
    await stack.stopSidecar();
  }, 900_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('is installed in CI (the bootstrap installs it)', () => {
    if (process.env.CI) expect(installed).toBe(true);
    else expect(typeof installed).toBe('boolean');
  });

  it('builds every node twice, the second time incrementally, and the tables hold the models’ rows', async () => {
    if (!installed) return;
    for (const r of runs) expect({ code: r.code, done: /Done\. PASS=8 WARN=0 ERROR=0 SKIP=0/.test(r.output) ? 'PASS=8' : r.output.slice(-3000) }).toEqual({ code: 0, done: 'PASS=8' });
    const conn = await connect({ accessUrl: stack.emulator.url, account: SUITE_ACCOUNT, username: SUITE_USER, authenticator: 'SNOWFLAKE_JWT', privateKey: await readFile(stack.privateKeyFile, 'utf8') });
    try {
      const totals = await execute(conn, 'select customer, orders, total from DRV_DBT.PUBLIC.CUSTOMER_TOTALS order by customer');
      expect(totals.rows).toEqual([
        { CUSTOMER: 'alice', ORDERS: 2, TOTAL: 15.5 },
        { CUSTOMER: 'bob', ORDERS: 1, TOTAL: 20.25 },
        { CUSTOMER: 'carol', ORDERS: 1, TOTAL: 7.75 },
      ]);
      const incremental = await execute(conn, 'select count(*) as n, count(distinct id) as ids from DRV_DBT.PUBLIC.ORDERS_INCREMENTAL');
      expect(incremental.rows).toEqual([{ N: 4, IDS: 4 }]);
    } finally {
      await destroy(conn);
    }
  });

  it('`snowtrail sessions trace` of the output tables names the statements of their models (CREATE … AS, MERGE)', async () => {
    if (!installed) return;
    const store = `dir:${stack.storeDir}`;
    const table = await snowtrail(['sessions', 'trace', 'DRV_DBT.PUBLIC.CUSTOMER_TOTALS', '--store', store, '-o', 'json']);
    expect(table.code).toBe(0);
    const hits = JSON.parse(table.stdout) as { sqlText?: string; sql?: string }[];
    const texts = hits.map((h) => JSON.stringify(h).toLowerCase());
    expect(texts.some((t) => t.includes('create or replace transient table') && t.includes('customer_totals'))).toBe(true);
    const incremental = await snowtrail(['sessions', 'trace', 'DRV_DBT.PUBLIC.ORDERS_INCREMENTAL', '--store', store, '-o', 'json']);
    expect(JSON.stringify(JSON.parse(incremental.stdout)).toLowerCase()).toContain('merge into');
  }, 300_000);

  it('recorded sessions that all verify', async () => {
    if (!installed) return;
    const dir = createDirStore(stack.storeDir);
    const ids = await listSessionIds(dir);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const keys = await loadStoreKeys(dir);
    for (const id of ids) expect({ id, problems: (await verifySession(dir, id, keys)).problems }).toEqual({ id, problems: [] });
  }, 120_000);
});
