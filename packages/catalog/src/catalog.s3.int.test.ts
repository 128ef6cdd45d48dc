import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { startS3rver, type S3ServerHandle } from '@snowtrail/devkit';
import { createS3Store, listSessions, traceObject, type ObjectStore } from '@snowtrail/recording';
import { buildCatalog } from './build.js';
import { loadLatestManifest } from './manifest.js';
import { listSessionsFromCatalog, traceFromCatalog } from './list-trace.js';
import { openCatalog, queryCatalog } from './query.js';
import { FLEET, recordSession, recorderFor, scratch } from '../test/recordings.js';

let s3: S3ServerHandle;
let base: string;

beforeAll(async () => {
  s3 = await startS3rver();
  base = await scratch('catalog-s3');
});
afterAll(async () => {
  await s3?.close();
  await rm(base, { recursive: true, force: true });
});

async function bucketStore(bucket: string): Promise<ObjectStore> {
  await s3.createBucket(bucket);
  return createS3Store({ client: s3.client(), bucket, prefix: 'rec/' });
}

describe('the catalog in an S3 store (s3rver)', () => {
  it('builds under the store prefix, answers as the walk does, prunes partitions, and compacts incrementally', async () => {
    const store = await bucketStore('fleet');
    const first = await recorderFor(store, base, 'first');
    for (const s of FLEET.slice(0, 3)) await recordSession(first, s);
    await first.recorder.close();
    expect(await buildCatalog(store)).toMatchObject({ sessionsChanged: 3, partitionsWritten: 2 });
    const manifest = await loadLatestManifest(store);
    expect(manifest?.partitions.every((p) => p.sessions.key.startsWith('rec/catalog/v1/sessions/day=2026-11-30/'))).toBe(true);

    const second = await recorderFor(store, base, 'second');
    for (const s of FLEET.slice(3)) await recordSession(second, s);
    await second.recorder.close();
    // Not compacted yet: the tail completes the answer.
    expect(await listSessionsFromCatalog(store, { serviceAccount: 'reporter' })).toEqual(await listSessions(store, { serviceAccount: 'reporter' }));
    expect(await buildCatalog(store)).toMatchObject({ sessionsRead: 2, sessionsChanged: 2, sessionsCovered: 5 });

    for (const f of [{}, { pod: 'train-1' }, { namespace: 'pipelines' }, { since: new Date('2026-12-01T10:00:00Z') }]) {
      expect(await listSessionsFromCatalog(store, f)).toEqual(await listSessions(store, f));
    }
    expect(await traceFromCatalog(store, 'sales.public.orders')).toEqual(await traceObject(store, 'sales.public.orders'));
    expect((await traceFromCatalog(store, 'sales.public.orders')).map((h) => h.identity?.podName)).toEqual(['train-1', 'etl-2', 'etl-1']);

    // Pruning: only the parts of one day and namespace are fetched, and nothing else is visible.
    const pruned = await openCatalog(store, { since: new Date('2026-11-30T00:00:00Z'), until: new Date('2026-11-30T23:59:59Z'), namespaces: ['analytics'] });
    try {
      expect(pruned.tailSessions).toBe(0);
      expect(await pruned.query('SELECT DISTINCT day::VARCHAR AS day, namespace FROM sessions')).toEqual([{ day: '2026-11-30', namespace: 'analytics' }]);
    } finally {
      await pruned.close();
    }
    expect(await queryCatalog(store, 'SELECT count(*)::INT AS n FROM statements')).toEqual([{ n: 8 }]);
  });

  it('keeps a crashed run invisible and lets the re-run finish', async () => {
    const store = await bucketStore('crash');
    const rec = await recorderFor(store, base, 'crash');
    for (const s of FLEET) await recordSession(rec, s);
    await rec.recorder.close();
    const crashing: ObjectStore = {
      ...store,
      async put(key, body, options) {
        if (key.includes('/manifests/')) throw new Error('connection reset');
        await store.put(key, body, options);
      },
    };
    await expect(buildCatalog(crashing)).rejects.toThrow('connection reset');
    expect(await loadLatestManifest(store)).toBeUndefined();
    expect((await store.list('rec/catalog/v1/sessions/')).length).toBe(4);
    expect(await listSessionsFromCatalog(store)).toEqual(await listSessions(store));
    expect(await buildCatalog(store)).toMatchObject({ sessionsChanged: 5, partitionsWritten: 4 });
    expect(await listSessionsFromCatalog(store)).toEqual(await listSessions(store));
    expect((await store.list('rec/catalog/v1/sessions/')).length).toBe(8);
  });
});
