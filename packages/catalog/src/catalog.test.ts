import { afterEach, describe, expect, it } from '@jest/globals';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDirStore, listSessions, traceObject, type ObjectStore, type SessionFilter } from '@snowtrail/recording';
import { buildCatalog } from './build.js';
import { loadLatestManifest } from './manifest.js';
import { listSessionsFromCatalog, traceFromCatalog, type TraceOptions } from './list-trace.js';
import { queryCatalog } from './query.js';
import { CATALOG_ERRORS } from './errors.js';
import { writeManifest } from './manifest.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { sha256Hex } from '@snowtrail/recording';
import { FLEET, recordSession, recorderFor, scratch, waitForIndexParts } from '../test/recordings.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A store that, like an Object Lock bucket, refuses to write a key twice, and records every write. */
function lockedStore(inner: ObjectStore, failKey?: (key: string) => boolean): ObjectStore & { puts: string[] } {
  const puts: string[] = [];
  return {
    ...inner,
    puts,
    async put(key, body, options) {
      if (failKey?.(key)) throw new Error(`injected store failure writing ${key}`);
      if (key.includes('catalog/') && (await inner.get(key)) !== undefined) throw new Error(`object lock: ${key} already exists`);
      puts.push(key);
      await inner.put(key, body, options);
    },
  };
}

/** Rewrites every statements part the newest manifest names without `columns`, as an older snowtrail wrote it. */
async function rewritePartsWithout(store: ObjectStore, base: string, columns: string[]): Promise<void> {
  const manifest = (await loadLatestManifest(store))!;
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const conn = await instance.connect();
    for (const p of manifest.partitions) {
      const path = join(base, 'store', p.statements.key);
      const old = `${path}.old.parquet`;
      await conn.run(`COPY (SELECT * EXCLUDE (${columns.join(', ')}) FROM read_parquet('${path}', hive_partitioning = false)) TO '${old}' (FORMAT parquet)`);
      const body = await readFile(old);
      await rm(old);
      await writeFile(path, body);
      p.statements = { ...p.statements, sha256: sha256Hex(body), bytes: body.length };
    }
  } finally {
    instance.closeSync();
  }
  await writeManifest(store, manifest);
}

async function fixture(): Promise<{ base: string; store: ObjectStore; rec: Awaited<ReturnType<typeof recorderFor>> }> {
  const base = await scratch('catalog');
  cleanup.push(() => rm(base, { recursive: true, force: true }));
  const store = createDirStore(join(base, 'store'));
  const rec = await recorderFor(store, base, 'a');
  cleanup.push(() => rec.recorder.close());
  return { base, store, rec };
}

const FILTERS: SessionFilter[] = [
  {},
  { pod: 'etl-1' },
  { serviceAccount: 'reporter' },
  { namespace: 'analytics' },
  { since: new Date('2026-12-01T00:00:00Z') },
  { since: new Date('2026-11-30T09:00:00Z'), until: new Date('2026-11-30T23:59:59Z') },
  { contains: 'DELETE FROM' },
  { pod: 'nobody' },
];
const TRACES: [string, TraceOptions][] = [
  ['sales.public.orders', {}],
  ['SALES.PUBLIC.ORDERS', { relation: 'reads' }],
  ['sales.public.orders', { relation: 'both', since: new Date('2026-11-30T09:00:00Z') }],
  ['"Mixed".public.t', {}],
];

async function expectSameAsWalk(store: ObjectStore): Promise<void> {
  for (const f of FILTERS) expect({ f, got: await listSessionsFromCatalog(store, f) }).toEqual({ f, got: await listSessions(store, f) });
  for (const [object, o] of TRACES) expect({ object, o, got: await traceFromCatalog(store, object, o) }).toEqual({ object, o, got: await traceObject(store, object, o) });
}

describe('the catalog over a directory store of recorded sessions', () => {
  it('answers list and trace exactly as the index walk does, from Hive-partitioned Parquet parts', async () => {
    const { base, store, rec } = await fixture();
    for (const s of FLEET) await recordSession(rec, s);
    rec.setTime('2026-12-01T13:00:00.000Z');
    await rec.recorder.authFailure({ reason: 'token_invalid', message: 'bad token', client: { address: '10.0.0.9' } });
    await rec.recorder.close();

    const report = await buildCatalog(store);
    expect(report).toMatchObject({ sessionsRead: 6, sessionsChanged: 6, sessionsCovered: 6 });
    const manifest = await loadLatestManifest(store);
    expect(manifest?.partitions.map((p) => `${p.day}/${p.namespace}`)).toEqual([
      '2026-11-30/analytics',
      '2026-11-30/pipelines',
      '2026-12-01/__HIVE_DEFAULT_PARTITION__',
      '2026-12-01/analytics',
      '2026-12-01/ml',
    ]);
    const part = manifest!.partitions[1]!.sessions.key;
    expect(part).toMatch(/^catalog\/v1\/sessions\/day=2026-11-30\/namespace=pipelines\/part-\d{8}T\d{9}Z-[0-9a-f]{8}\.parquet$/);
    expect((await readFile(join(base, 'store', part))).subarray(0, 4).toString()).toBe('PAR1');

    await expectSameAsWalk(store);
    expect(await queryCatalog(store, 'SELECT namespace, count(*)::INT AS n FROM sessions GROUP BY 1 ORDER BY 1 NULLS FIRST')).toEqual([
      { namespace: null, n: 1 },
      { namespace: 'analytics', n: 2 },
      { namespace: 'ml', n: 1 },
      { namespace: 'pipelines', n: 2 },
    ]);
    expect(await queryCatalog(store, `SELECT pod, rows::INT AS rows FROM statements WHERE list_contains(writes_norm, 'SALES.PUBLIC.ORDERS') AND decision = 'allow' ORDER BY time`)).toEqual([
      { pod: 'etl-1', rows: 42 },
      { pod: 'etl-2', rows: 1 },
      { pod: 'train-1', rows: 3 },
    ]);
  });

  it('compacts incrementally: reads only new and still-open sessions, covers the tail before the next run, and a run with nothing new writes nothing', async () => {
    const { base, rec } = await fixture();
    const store = lockedStore(createDirStore(join(base, 'store')));
    const ended = [];
    for (const s of FLEET.slice(0, 3)) ended.push(await recordSession(rec, s));
    const open = await recordSession(rec, { ...FLEET[3]!, open: true });
    // The recorder uploads index parts in the background: every session has one before the run.
    for (const { sessionId } of [...ended, open]) await waitForIndexParts(store, sessionId, 1);
    expect(await buildCatalog(store)).toMatchObject({ sessionsRead: 4, sessionsChanged: 4 });
    await expectSameAsWalk(store);

    // Newer than the catalog: the open session ends and a new one arrives; answers include them at once.
    rec.setTime('2026-12-01T08:00:00.000Z');
    await open.session.end('client_logout');
    await recordSession(rec, FLEET[4]!);
    await rec.recorder.close();
    await expectSameAsWalk(store);
    expect((await listSessionsFromCatalog(store, { pod: 'train-1' })).map((l) => l.summary.status)).toEqual(['ended']);

    const second = await buildCatalog(store);
    expect(second).toMatchObject({ sessionsRead: 2, sessionsChanged: 2, sessionsCovered: 5 });
    await expectSameAsWalk(store);
    const before = store.puts.length;
    expect(await buildCatalog(store)).toEqual({ sessionsRead: 0, sessionsChanged: 0, partitionsWritten: 0, sessionsCovered: 5 });
    expect(store.puts.length).toBe(before);
    // Object Lock: no key of any run was written twice (the locked store would have thrown).
    expect(new Set(store.puts).size).toBe(store.puts.length);
  });

  it('survives a crash between the parts and the manifest: readers keep the old manifest, a re-run completes', async () => {
    const { base, rec } = await fixture();
    const inner = createDirStore(join(base, 'store'));
    for (const s of FLEET.slice(0, 2)) await recordSession(rec, s);
    await rec.recorder.close();
    await buildCatalog(inner);
    const first = await loadLatestManifest(inner);
    const later = await recorderFor(inner, base, 'b');
    for (const s of FLEET.slice(2)) await recordSession(later, s);
    await later.recorder.close();

    const crashing = lockedStore(inner, (key) => key.includes('/manifests/'));
    await expect(buildCatalog(crashing)).rejects.toThrow('injected store failure');
    expect(crashing.puts.filter((k) => k.endsWith('.parquet')).length).toBeGreaterThan(0);
    expect((await loadLatestManifest(inner))?.runId).toBe(first?.runId);
    await expectSameAsWalk(inner);

    const rerun = await buildCatalog(lockedStore(inner));
    expect(rerun).toMatchObject({ sessionsChanged: 3, sessionsCovered: 5 });
    expect(rerun.runId).not.toBe(first?.runId);
    await expectSameAsWalk(inner);
  });

  it('keeps a namespace that is not a DNS label inside its own partition and gives it back unchanged', async () => {
    const { store, rec } = await fixture();
    const odd = '../Team A/%2E';
    await recordSession(rec, { ...FLEET[0]!, namespace: odd });
    await recordSession(rec, FLEET[1]!);
    await rec.recorder.close();
    // Before any build everything is tail, after it everything is Parquet: the same namespaces either way.
    const namespaces = [{ namespace: odd }, { namespace: 'pipelines' }];
    expect(await queryCatalog(store, 'SELECT namespace FROM sessions ORDER BY namespace')).toEqual(namespaces);
    await buildCatalog(store);
    const manifest = await loadLatestManifest(store);
    expect(manifest?.partitions.map((p) => p.namespace)).toEqual(['%2E%2E%2FTeam%20A%2F%252E', 'pipelines']);
    expect(await listSessionsFromCatalog(store, { namespace: odd })).toEqual(await listSessions(store, { namespace: odd }));
    expect(await listSessionsFromCatalog(store)).toEqual(await listSessions(store));
    expect(await queryCatalog(store, 'SELECT namespace FROM sessions ORDER BY namespace')).toEqual(namespaces);
  });

  it('carries the deciding rule and reason of every denied statement, in the tail and in Parquet parts', async () => {
    const { store, rec } = await fixture();
    for (const s of FLEET.slice(0, 3)) await recordSession(rec, s);
    await rec.recorder.close();
    const denied = `SELECT pod, seq::INT AS seq, decision, rule, reason, status FROM statements WHERE decision = 'deny' ORDER BY time`;
    const expected = [{ pod: 'report-1', seq: 1, decision: 'deny', rule: 'no-ddl', reason: 'statement_denied', status: 'denied' }];
    expect(await queryCatalog(store, denied)).toEqual(expected);
    await buildCatalog(store);
    expect(await queryCatalog(store, denied)).toEqual(expected);
    expect(await queryCatalog(store, `SELECT count(*)::INT AS n FROM statements WHERE decision = 'allow' AND (rule IS NOT NULL OR reason IS NOT NULL)`)).toEqual([{ n: 0 }]);
  });

  it('parts written before rule and reason were columns stay readable and are merged by the next run', async () => {
    const { base, rec } = await fixture();
    const store = createDirStore(join(base, 'store'));
    for (const s of FLEET.slice(0, 3)) await recordSession(rec, s);
    await rec.recorder.close();
    await buildCatalog(store);
    await rewritePartsWithout(store, base, ['rule', 'reason']);
    await expectSameAsWalk(store);
    const deniedRules = `SELECT pod, rule, reason FROM statements WHERE decision = 'deny' ORDER BY time`;
    // The old part has no such columns: its rows answer NULL, and the query does not fail.
    expect(await queryCatalog(store, deniedRules)).toEqual([{ pod: 'report-1', rule: null, reason: null }]);

    const later = await recorderFor(store, base, 'b');
    await recordSession(later, { ...FLEET[2]!, at: '2026-11-30T11:00:00.000Z', pod: 'report-3' });
    await later.recorder.close();
    expect(await buildCatalog(store)).toMatchObject({ sessionsChanged: 1, partitionsWritten: 1 });
    await expectSameAsWalk(store);
    expect(await queryCatalog(store, deniedRules)).toEqual([
      { pod: 'report-1', rule: null, reason: null },
      { pod: 'report-3', rule: 'no-ddl', reason: 'statement_denied' },
    ]);
  });

  it('fails closed when a part named by the manifest was altered until a full rebuild, and the SQL cannot reach files', async () => {
    const { base, store, rec } = await fixture();
    await recordSession(rec, FLEET[0]!);
    await rec.recorder.close();
    await buildCatalog(store);
    await expect(queryCatalog(store, `SELECT * FROM read_text('/etc/hostname')`)).rejects.toMatchObject({ code: CATALOG_ERRORS.query });
    await expect(queryCatalog(store, `COPY sessions TO '${join(base, 'leak.csv')}'`)).rejects.toMatchObject({ code: CATALOG_ERRORS.query });

    const manifest = await loadLatestManifest(store);
    const path = join(base, 'store', manifest!.partitions[0]!.sessions.key);
    const bytes = await readFile(path);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 20) ^ 0xff, bytes.length - 20);
    await writeFile(path, bytes);
    await expect(listSessionsFromCatalog(store)).rejects.toMatchObject({ code: CATALOG_ERRORS.manifest });
    // A full rebuild starts from the index parts alone and writes new parts under new keys.
    expect(await buildCatalog(store, { full: true })).toMatchObject({ sessionsChanged: 1, partitionsWritten: 1 });
    expect(await listSessionsFromCatalog(store)).toEqual(await listSessions(store));
  });
});
