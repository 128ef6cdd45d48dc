import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { Registry } from 'prom-client';
import { startRadosgw, type S3ServerHandle } from '@snowtrail/devkit';
import { createRecorder } from './recorder.js';
import { createS3Store } from './s3-store.js';
import { verifySession } from './verifier.js';
import { loadStoreKeys } from './jwks.js';
import { blobKey } from './layout.js';
import { RECORDING_ERRORS } from './errors.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

// radosgw checks each part's Content-MD5 and enforces Object Lock for real (s3rver does neither).
let rgw: S3ServerHandle;
let base: string;
const MiB = 1024 * 1024;
const small = { multipartThresholdBytes: 6 * MiB, multipartPartBytes: 5 * MiB };

beforeAll(async () => {
  rgw = await startRadosgw();
  await rgw.createBucket('parts', { objectLock: true });
  base = await scratch('s3parts');
}, 180_000);
afterAll(async () => {
  await rgw?.close();
  if (base) await rm(base, { recursive: true, force: true });
});

/**
 * Watches the client's requests: how many UploadParts run at once, how many were in flight when an
 * abort went out, and flips one byte of the body of the chosen part's first `corrupt` attempts
 * after its Content-MD5 was computed (bytes altered on the way).
 */
function watchParts(client: S3Client, corrupt: { partNumber: number; times: number }) {
  const seen = { running: 0, most: 0, runningAtAbort: [] as number[], corrupted: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { PartNumber?: number };
      if (context.commandName === 'AbortMultipartUploadCommand') seen.runningAtAbort.push(seen.running);
      if (context.commandName !== 'UploadPartCommand') return next(args);
      seen.most = Math.max(seen.most, ++seen.running);
      try {
        const request = args.request as { body: Uint8Array };
        if (input.PartNumber === corrupt.partNumber && seen.corrupted < corrupt.times) {
          seen.corrupted++;
          const altered = Buffer.from(request.body);
          altered[100] = altered[100]! ^ 0xff;
          request.body = altered;
        }
        return await next(args);
      } finally {
        seen.running--;
      }
    },
    { step: 'finalizeRequest', name: 'watchParts' },
  );
  return seen;
}

async function openUploads(client: S3Client, prefix: string): Promise<number> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: 'parts', Prefix: prefix }));
  return out.Uploads?.length ?? 0;
}

describe('multipart uploads on radosgw with Object Lock', () => {
  it('a part altered on the way while others are in flight: nothing stored, no open upload left, and the retry stores every byte under retention', async () => {
    const client = rgw.client();
    const seen = watchParts(client, { partNumber: 2, times: 1 });
    const store = createS3Store({ client, bucket: 'parts', prefix: 'one/', objectLock: { mode: 'COMPLIANCE', retainDays: 1 }, ...small });
    const body = randomBytes(23 * MiB);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const key = 'one/blob';

    await expect(store.put(key, body, { contentType: 'application/octet-stream', sha256 })).rejects.toMatchObject({ code: RECORDING_ERRORS.store });
    expect(seen.corrupted).toBe(1);
    expect(seen.most).toBeGreaterThan(1);
    // The abort went out only once no part was in flight any more, and it left nothing behind.
    expect(seen.runningAtAbort).toEqual([0]);
    expect(await store.get(key)).toBeUndefined();
    expect(await openUploads(client, 'one/')).toBe(0);

    await store.put(key, body, { contentType: 'application/octet-stream', sha256 });
    expect((await store.get(key))?.equals(body)).toBe(true);
    expect((await store.retention!(key))?.mode).toBe('COMPLIANCE');
    expect(await openUploads(client, 'one/')).toBe(0);
    client.destroy();
  }, 120_000);

  it('through the recorder: the failed part is retried, the session verifies, and the blob is stored byte for byte with no open upload', async () => {
    const client = rgw.client();
    const seen = watchParts(client, { partNumber: 2, times: 2 });
    const store = createS3Store({ client, bucket: 'parts', prefix: 'rec/', objectLock: { mode: 'COMPLIANCE', retainDays: 1 }, ...small });
    const registry = new Registry();
    const recorder = await createRecorder({
      config: recordingConfig({ spoolDir: join(base, 'spool'), store: { type: 's3', bucket: 'parts', prefix: 'rec', endpoint: rgw.endpoint, region: 'us-east-1', forcePathStyle: true }, signing: { keyFile: await writeSigningKey(base) } }),
      registry,
      logger: silent,
      store,
    });
    const s = await recorder.startSession(startInfo());
    await s.queryStarted({ requestId: 'big', sqlText: 'select * from t', statements: [{ class: 'SELECT', reads: ['T'], writes: [] }], decision: 'allow' });
    const chunk = randomBytes(17 * MiB);
    const w = s.openResult({ requestId: 'big', part: 'chunk:0', format: 'arrow', compression: 'none' });
    for (let off = 0; off < chunk.length; off += MiB) await w.write(chunk.subarray(off, off + MiB));
    await w.end();
    await s.end('client_logout');
    await recorder.close();

    expect(seen.corrupted).toBe(2);
    const failures = (await registry.getSingleMetric('snowtrail_recording_uploads_total')!.get()).values.find((v) => v.labels.outcome === 'failure');
    expect(failures?.value).toBe(2);
    const sha = createHash('sha256').update(chunk).digest('hex');
    expect((await store.get(blobKey('rec/', s.sessionId, sha)))?.equals(chunk)).toBe(true);
    expect((await store.retention!(blobKey('rec/', s.sessionId, sha)))?.mode).toBe('COMPLIANCE');
    expect(await openUploads(client, 'rec/')).toBe(0);
    expect(await verifySession(store, s.sessionId, await loadStoreKeys(store))).toMatchObject({ ok: true, problems: [] });
    client.destroy();
  }, 120_000);
});
