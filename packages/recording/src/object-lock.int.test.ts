import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Registry } from 'prom-client';
import { startRadosgw, type S3ServerHandle } from '@snowtrail/devkit';
import { createRecorder } from './recorder.js';
import { createS3Store } from './s3-store.js';
import { verifySession } from './verifier.js';
import { loadStoreKeys } from './jwks.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

// radosgw enforces Object Lock for real (s3rver ignores it). It is installed by
// `scripts/bootstrap.sh --with-object-lock`; without it startRadosgw throws naming the packages.
let rgw: S3ServerHandle;
let base: string;

beforeAll(async () => {
  rgw = await startRadosgw();
  base = await scratch('objlock');
}, 180_000);
afterAll(async () => {
  await rgw?.close();
  if (base) await rm(base, { recursive: true, force: true });
});

describe('Object Lock on radosgw', () => {
  it('puts COMPLIANCE retention on every object and the store refuses to delete a locked version', async () => {
    await rgw.createBucket('locked', { objectLock: true });
    const keyFile = await writeSigningKey(base);
    const client = rgw.client();
    const started = Date.now();
    const recorder = await createRecorder({
      config: recordingConfig({
        spoolDir: join(base, 'spool'),
        store: { type: 's3', bucket: 'locked', prefix: 'audit', endpoint: rgw.endpoint, region: 'us-east-1', forcePathStyle: true },
        signing: { keyFile },
        objectLock: { mode: 'COMPLIANCE', retainDays: 1 },
      }),
      registry: new Registry(),
      logger: silent,
      s3Client: client,
    });
    const s = await recorder.startSession(startInfo());
    await s.queryStarted({ requestId: 'a', sqlText: 'select 1', statements: [{ class: 'SELECT', reads: [], writes: [] }], decision: 'allow' });
    await s.result({ requestId: 'a', part: 'inline', format: 'json', compression: 'none' }, Buffer.from('{"data":{"rowtype":[{"name":"1"}],"rowset":[["1"]]},"success":true}'));
    await s.queryEnded({ requestId: 'a', status: 'success', rows: 1 });
    await s.end('client_logout');
    await recorder.close();

    const store = createS3Store({ client, bucket: 'locked', prefix: 'audit/' });
    const objects = await store.list('audit/');
    expect(objects.map((o) => o.key)).toEqual(expect.arrayContaining([expect.stringMatching(/segments\/000001\.jsonl\.gz$/), expect.stringMatching(/digests\/000001\.jws$/), expect.stringMatching(/index\/000001\.json$/), 'audit/v1/keys/jwks.json']));
    for (const o of objects) {
      const r = await store.retention!(o.key);
      expect({ key: o.key, mode: r?.mode }).toEqual({ key: o.key, mode: 'COMPLIANCE' });
      expect(r!.retainUntil!.getTime()).toBeGreaterThan(started + 23 * 3600_000);
    }
    const digest = objects.find((o) => o.key.endsWith('digests/000001.jws'))!.key;
    const head = await client.send(new HeadObjectCommand({ Bucket: 'locked', Key: digest }));
    await expect(client.send(new DeleteObjectCommand({ Bucket: 'locked', Key: digest, VersionId: head.VersionId! }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(await verifySession(store, s.sessionId, await loadStoreKeys(store))).toMatchObject({ ok: true, problems: [] });
    client.destroy();
  }, 120_000);
});
