import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { startRadosgw, type S3ServerHandle } from '@snowtrail/devkit';
import { createS3Store, listSessions, traceObject } from '@snowtrail/recording';
import { buildCatalog } from './build.js';
import { listSessionsFromCatalog, traceFromCatalog } from './list-trace.js';
import { FLEET, recordSession, recorderFor, scratch } from '../test/recordings.js';

// radosgw enforces Object Lock for real (s3rver ignores it); installed by `scripts/bootstrap.sh --with-object-lock`.
let rgw: S3ServerHandle;
let base: string;

beforeAll(async () => {
  rgw = await startRadosgw();
  base = await scratch('catalog-lock');
}, 180_000);
afterAll(async () => {
  await rgw?.close();
  if (base) await rm(base, { recursive: true, force: true });
});

describe('the catalog in an Object Lock bucket (radosgw)', () => {
  it('compacts twice writing only new keys, each locked, one version a key, and answers as the walk does', async () => {
    await rgw.createBucket('locked', { objectLock: true });
    const client = rgw.client();
    const store = createS3Store({ client, bucket: 'locked', prefix: 'audit/', objectLock: { mode: 'COMPLIANCE', retainDays: 1 } });
    const first = await recorderFor(store, base, 'first');
    for (const s of FLEET.slice(0, 3)) await recordSession(first, s);
    await first.recorder.close();
    expect(await buildCatalog(store)).toMatchObject({ sessionsChanged: 3 });

    // Sessions that land in a partition the first run already wrote: it is rewritten under a new key.
    const second = await recorderFor(store, base, 'second');
    for (const s of [{ ...FLEET[3]!, at: '2026-11-30T11:00:00.000Z', namespace: 'pipelines' }, FLEET[4]!]) await recordSession(second, s);
    await second.recorder.close();
    expect(await buildCatalog(store)).toMatchObject({ sessionsChanged: 2, partitionsWritten: 2 });

    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: 'locked', Prefix: 'audit/catalog/' }));
    const keys = (versions.Versions ?? []).map((v) => v.Key!);
    expect(keys.length).toBe(new Set(keys).size);
    expect(keys.filter((k) => k.includes('/manifests/'))).toHaveLength(2);
    for (const key of keys) expect(await store.retention!(key)).toMatchObject({ mode: 'COMPLIANCE' });

    expect(await listSessionsFromCatalog(store)).toEqual(await listSessions(store));
    expect(await listSessionsFromCatalog(store, { pod: 'report-2' })).toEqual(await listSessions(store, { pod: 'report-2' }));
    expect(await traceFromCatalog(store, 'sales.public.orders')).toEqual(await traceObject(store, 'sales.public.orders'));
  });
});
