import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { URL } from 'node:url';
import { createDirStore, listSessionIds, loadStoreKeys, readSessionEvents, verifySession } from '@snowtrail/recording';
import { judgeReport, type SuiteCase } from '../src/compare.js';
import { renderCompatTable, replaceCompatTable, type CompatRow } from '../src/compat-table.js';
import { startSuiteStack, SUITE_ACCOUNT, SUITE_USER, type SuiteStack } from '../src/stack.js';
import { CASES_FILE, EXTERNAL_DRIVERS, ROOT, runHarness, type HarnessConfig, type HarnessReport } from '../src/run-harness.js';
import { runNodeHarness } from '../node/harness.js';

const cases = JSON.parse(readFileSync(CASES_FILE, 'utf8')) as SuiteCase[];
const installed = EXTERNAL_DRIVERS.filter((d) => d.installed());
const missing = EXTERNAL_DRIVERS.filter((d) => !d.installed());
/** Each driver runs two processes (a JVM takes seconds to start); CI runs other suites beside this one. */
const DRIVER_TIMEOUT_MS = 600_000;
const reports = new Map<string, { direct: HarnessReport; sidecar: HarnessReport }>();
/** The driver name of each CLIENT_APP_ID the drivers send. */
const APP_DRIVER: Record<string, string> = { JavaScript: 'node', PythonConnector: 'python', JDBC: 'jdbc', Go: 'go' };
const LABELS: Record<string, string> = { node: 'Node.js — snowflake-sdk', python: 'Python — snowflake-connector-python', jdbc: 'Java — snowflake-jdbc', go: 'Go — gosnowflake' };

describe('driver compatibility suite: the same cases directly and through the sidecar', () => {
  let stack: SuiteStack;

  beforeAll(async () => {
    console.log(
      `driver suite: running ${installed.map((d) => d.name).join(', ') || 'no external driver'}` +
        (missing.length ? `; not installed: ${missing.map((d) => d.name).join(', ')} (run scripts/install-drivers.sh)` : ''),
    );
    stack = await startSuiteStack(['node', ...EXTERNAL_DRIVERS.map((d) => d.name)].flatMap((d) => [`DRV_${d.toUpperCase()}_DIRECT`, `DRV_${d.toUpperCase()}_SIDECAR`]));
  });
  afterAll(async () => {
    await stack?.close();
  });

  function config(driver: string, mode: 'direct' | 'sidecar', auth: HarnessConfig['auth']): HarnessConfig {
    const url = new URL(mode === 'direct' ? stack.emulator.url : stack.sidecar.url);
    return {
      mode,
      host: url.hostname,
      port: Number(url.port),
      account: SUITE_ACCOUNT,
      user: SUITE_USER,
      database: `DRV_${driver.toUpperCase()}_${mode.toUpperCase()}`,
      schema: 'PUBLIC',
      warehouse: 'COMPUTE_WH',
      emulatorUrl: stack.emulator.url,
      casesFile: CASES_FILE,
      auth,
    };
  }

  it('has every driver installed in CI (the bootstrap installs them)', () => {
    if (process.env.CI) expect(missing.map((d) => d.name)).toEqual([]);
    else expect(installed.length + missing.length).toBe(EXTERNAL_DRIVERS.length);
  });

  it('node: every case passes directly (key-pair JWT) and through the sidecar (OAuth), equal value by value', async () => {
    const direct = await runNodeHarness(config('node', 'direct', { kind: 'jwt', privateKeyFile: stack.privateKeyFile }));
    const sidecar = await runNodeHarness(config('node', 'sidecar', { kind: 'oauth', token: await stack.mint() }));
    reports.set('node', { direct, sidecar });
    expect({ direct: judgeReport(cases, direct, undefined, 'direct'), sidecar: judgeReport(cases, sidecar, direct, 'sidecar') }).toEqual({ direct: {}, sidecar: {} });
  }, DRIVER_TIMEOUT_MS);

  for (const driver of EXTERNAL_DRIVERS) {
    it(`${driver.name}: every case passes directly (key-pair JWT) and through the sidecar (OAuth), equal value by value`, async () => {
      if (!driver.installed()) return;
      const direct = await runHarness(driver, config(driver.name, 'direct', { kind: 'jwt', privateKeyFile: stack.privateKeyFile }), stack.dir);
      const sidecar = await runHarness(driver, config(driver.name, 'sidecar', { kind: 'oauth', token: await stack.mint() }), stack.dir);
      reports.set(driver.name, { direct, sidecar });
      expect({ direct: judgeReport(cases, direct, undefined, 'direct'), sidecar: judgeReport(cases, sidecar, direct, 'sidecar') }).toEqual({ direct: {}, sidecar: {} });
    }, DRIVER_TIMEOUT_MS);
  }

  it('recorded sessions that all verify, Arrow results among them, and the compatibility table in docs/drivers.md matches this run', async () => {
    await stack.stopSidecar();
    const store = createDirStore(stack.storeDir);
    const ids = await listSessionIds(store);
    expect(ids.length).toBeGreaterThanOrEqual(installed.length + 1);
    const keys = await loadStoreKeys(store);
    const formats = new Map<string, Set<string>>();
    for (const id of ids) {
      expect({ id, problems: (await verifySession(store, id, keys)).problems }).toEqual({ id, problems: [] });
      let driver = '';
      for await (const e of readSessionEvents(store, id)) {
        const data = e.data as { client?: { app?: string }; format?: string };
        if (e.type === 'session.start') driver = APP_DRIVER[data.client?.app ?? ''] ?? '';
        if (e.type === 'result' && data.format && driver) formats.set(driver, (formats.get(driver) ?? new Set()).add(data.format));
      }
    }
    for (const d of installed) expect([d.name, [...(formats.get(d.name) ?? [])].sort()]).toEqual([d.name, ['arrow', 'json']]);
    expect([...(formats.get('node') ?? [])]).toEqual(['json']);

    const rows: CompatRow[] = [];
    for (const name of ['jdbc', 'python', 'go', 'node']) {
      const report = reports.get(name);
      if (!report) continue;
      rows.push({
        label: LABELS[name]!,
        report,
        failures: { direct: Object.keys(judgeReport(cases, report.direct, undefined, 'direct')).length, sidecar: Object.keys(judgeReport(cases, report.sidecar, report.direct, 'sidecar')).length },
        formats: [...(formats.get(name) ?? [])].sort(),
        knownDifferences: cases.flatMap((c) => (c.knownDifferences?.[report.direct.driver] ?? []).map((k) => `${c.name}: ${k.why}`)),
      });
    }
    if (missing.length > 0) return; // a partial run must not rewrite or judge the table
    const docPath = join(ROOT, 'docs', 'drivers.md');
    const doc = readFileSync(docPath, 'utf8');
    const updated = replaceCompatTable(doc, renderCompatTable(rows));
    if (process.env.UPDATE_DOCS === '1') writeFileSync(docPath, updated);
    else expect(doc).toBe(updated);
  });
});
