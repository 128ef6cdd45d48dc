import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDirStore } from '@snowtrail/recording';
import { FLEET, recordSession, recorderFor, scratch } from './recordings.js';

const MAIN = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));

/** Runs `snowtrail sessions …` as a user would and returns its exit code and output. */
function sessions(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, 'sessions', ...args], { env: { ...process.env, NODE_NO_WARNINGS: '1' }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('snowtrail sessions over the catalog (list, trace, query, catalog build)', () => {
  let base: string;
  let store: string;
  beforeAll(async () => {
    base = await scratch('catalog-cli');
    const dir = join(base, 'store');
    store = `dir:${dir}`;
    const rec = await recorderFor(createDirStore(dir), base, 'cli');
    for (const s of FLEET) await recordSession(rec, s);
    await rec.recorder.close();
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  const json = async (args: string[]): Promise<unknown> => {
    const r = await sessions([...args, '--store', store, '-o', 'json']);
    // stderr may carry progress lines; an error would be a `snowtrail sessions:` line and a non-zero exit.
    expect({ args, code: r.code, error: r.stderr.includes('snowtrail sessions:') }).toEqual({ args, code: 0, error: false });
    return JSON.parse(r.stdout) as unknown;
  };

  it('list and trace give the walk\'s answer before and after the catalog is built', async () => {
    const walkList = await json(['list', '--pod', 'etl-1', '--no-catalog']);
    const walkTrace = await json(['trace', 'SALES.PUBLIC.ORDERS', '--writes', '--no-catalog']);
    expect((walkList as unknown[]).length).toBe(1);
    expect((walkTrace as unknown[]).length).toBeGreaterThan(1);
    expect(await json(['list', '--pod', 'etl-1'])).toEqual(walkList);

    const report = (await json(['catalog', 'build'])) as { runId?: string; sessionsCovered: number };
    expect(report.runId).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{8}$/);
    expect(report.sessionsCovered).toBe(FLEET.length);
    expect(await json(['list', '--pod', 'etl-1'])).toEqual(walkList);
    expect(await json(['trace', 'SALES.PUBLIC.ORDERS', '--writes'])).toEqual(walkTrace);

    const again = await sessions(['catalog', 'build', '--store', store]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('catalog up to date');
  });

  it('query answers SQL over the sessions and statements tables, in every -o format', async () => {
    const rows = (await json(['query', 'SELECT namespace, count(*)::INT AS n FROM sessions GROUP BY 1 ORDER BY 1'])) as { namespace: string; n: number }[];
    expect(rows.reduce((sum, r) => sum + r.n, 0)).toBe(FLEET.length);
    const table = await sessions(['query', 'SELECT pod FROM statements WHERE decision = \'deny\'', '--store', store]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toBe('pod');
    expect(table.stdout).toContain('report-1');
  });

  it('a query the catalog refuses is a usage error naming the catalog code', async () => {
    const r = await sessions(['query', 'SELECT * FROM no_such_table', '--store', store]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SNOWTRAIL_ERR_CATALOG_QUERY');
  });
});
