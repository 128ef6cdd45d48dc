import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { Registry } from 'prom-client';
import { startS3rver, type S3ServerHandle } from '@snowtrail/devkit';
import { createRecorder } from './recorder.js';
import { buildS3Client, createS3Store } from './s3-store.js';
import { verifySession } from './verifier.js';
import { loadStoreKeys } from './jwks.js';
import { blobKey } from './layout.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

let s3: S3ServerHandle;
let base: string;
const MiB = 1024 * 1024;

beforeAll(async () => {
  s3 = await startS3rver();
  await s3.createBucket('blobs');
  base = await scratch('blobup');
});
afterAll(async () => {
  await s3?.close();
  if (base) await rm(base, { recursive: true, force: true });
});

interface Put {
  key: string;
  ok: boolean;
  /** Position of the PUT's answer among all answers. */
  answered: number;
  /** How many answers had come back when this PUT went out. */
  sentAfter: number;
}

/** Logs every PutObject and fails the first `times` attempts of the first blob PUT (a connection reset mid-request). */
function watchPuts(client: S3Client, times: number) {
  const seen = { puts: [] as Put[], running: 0, mostBlobs: 0, failed: 0, victim: undefined as string | undefined };
  let answers = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutObjectCommand') return next(args);
      const key = (args.input as { Key: string }).Key;
      const isBlob = key.includes('/blobs/');
      const sentAfter = answers;
      if (isBlob) seen.mostBlobs = Math.max(seen.mostBlobs, ++seen.running);
      try {
        if (isBlob && seen.victim === undefined) seen.victim = key;
        await new Promise((r) => setTimeout(r, 20));
        if (key === seen.victim && seen.failed < times) {
          seen.failed++;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        const out = await next(args);
        seen.puts.push({ key, ok: true, answered: ++answers, sentAfter });
        return out;
      } catch (err) {
        seen.puts.push({ key, ok: false, answered: ++answers, sentAfter });
        throw err;
      } finally {
        if (isBlob) seen.running--;
      }
    },
    { step: 'finalizeRequest', name: 'watchPuts' },
  );
  return seen;
}

describe('a session with many result blobs on s3rver', () => {
  it('uploads its blobs several at a time; one failing twice is retried while the others go on, and no digest goes out before every blob it lists is acknowledged', async () => {
    // The client the recorder builds in production (no SDK-level retries: the uploader retries).
    const client = buildS3Client({ endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    const seen = watchPuts(client, 2);
    const store = createS3Store({ client, bucket: 'blobs', prefix: 'rec/' });
    const registry = new Registry();
    const recorder = await createRecorder({
      // A long flush interval: every blob is sealed with the session's end, so one round uploads them all.
      config: recordingConfig({ spoolDir: join(base, 'spool'), flush: { intervalSeconds: 60, maxBytes: 1024 * 1024 }, store: { type: 's3', bucket: 'blobs', prefix: 'rec', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true }, signing: { keyFile: await writeSigningKey(base) } }),
      registry,
      logger: silent,
      store,
    });
    const s = await recorder.startSession(startInfo());
    await s.queryStarted({ requestId: 'r', sqlText: 'select * from t', statements: [{ class: 'SELECT', reads: ['T'], writes: [] }], decision: 'allow' });
    const chunks = Array.from({ length: 6 }, () => randomBytes(MiB));
    for (const [i, chunk] of chunks.entries()) {
      const w = s.openResult({ requestId: 'r', part: `chunk:${i}`, format: 'arrow', compression: 'none' });
      await w.write(chunk);
      await w.end();
    }
    await s.end('client_logout');
    await recorder.close();

    expect(seen.failed).toBe(2);
    expect(seen.mostBlobs).toBeGreaterThan(1);
    const failures = (await registry.getSingleMetric('snowtrail_recording_uploads_total')!.get()).values.find((v) => v.labels.outcome === 'failure');
    expect(failures?.value).toBe(2);
    // Every digest went out after the store had acknowledged every blob (a digest never lists a blob the store lacks).
    const blobAcks = seen.puts.filter((p) => p.key.includes('/blobs/') && p.ok);
    expect(blobAcks).toHaveLength(6);
    const digests = seen.puts.filter((p) => p.key.includes('/digests/'));
    expect(digests.length).toBeGreaterThan(0);
    const lastBlobAck = Math.max(...blobAcks.map((p) => p.answered));
    for (const d of digests) expect(d.sentAfter).toBeGreaterThanOrEqual(lastBlobAck);
    for (const chunk of chunks) {
      const sha = createHash('sha256').update(chunk).digest('hex');
      expect((await store.get(blobKey('rec/', s.sessionId, sha)))?.equals(chunk)).toBe(true);
    }
    expect(await verifySession(store, s.sessionId, await loadStoreKeys(store))).toMatchObject({ ok: true, problems: [] });
    client.destroy();
  }, 60_000);
});
