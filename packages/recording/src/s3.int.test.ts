import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { startS3rver, type S3ServerHandle } from '@snowtrail/devkit';
import { createRecorder } from './recorder.js';
import { createS3Store } from './s3-store.js';
import { blobRefOf, readBlob, readSessionEvents, loadSessionListing, listSessions } from './reader.js';
import { verifySession } from './verifier.js';
import { loadStoreKeys } from './jwks.js';
import { blobKey } from './layout.js';
import type { RecordingEvent } from './format.js';
import type { SidecarConfig } from '@snowtrail/config';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

let s3: S3ServerHandle;
let base: string;
let keyFile: string;

beforeAll(async () => {
  s3 = await startS3rver();
  base = await scratch('s3int');
  keyFile = await writeSigningKey(base);
});
afterAll(async () => {
  await s3?.close();
  await rm(base, { recursive: true, force: true });
});

function s3Config(bucket: string, spool: string, extra: Partial<SidecarConfig['recording']> = {}): SidecarConfig['recording'] {
  return recordingConfig({
    spoolDir: join(base, spool),
    store: { type: 's3', bucket, prefix: 'rec', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true },
    signing: { keyFile },
    ...extra,
  });
}

function storeFor(bucket: string): ReturnType<typeof createS3Store> {
  return createS3Store({ client: s3.client(), bucket, prefix: 'rec/' });
}

async function eventsOf(bucket: string, sessionId: string): Promise<RecordingEvent[]> {
  const out: RecordingEvent[] = [];
  for await (const e of readSessionEvents(storeFor(bucket), sessionId)) out.push(e);
  return out;
}

describe('recording to s3rver', () => {
  it('uploads segments, index and signed digest with our checksums; verify passes', async () => {
    await s3.createBucket('basic');
    const recorder = await createRecorder({ config: s3Config('basic', 'spool-basic'), registry: new Registry(), logger: silent, s3Client: s3.client() });
    const s = await recorder.startSession(startInfo());
    await s.queryStarted({ requestId: 'a', sqlText: 'select 1', statements: [{ class: 'SELECT', reads: [], writes: [] }], decision: 'allow' });
    await s.result({ requestId: 'a', part: 'inline', format: 'json', compression: 'none' }, Buffer.from('{"data":{"rowtype":[{"name":"1"}],"rowset":[["1"]]},"success":true}'));
    await s.queryEnded({ requestId: 'a', queryId: 'q', status: 'success', rows: 1 });
    await s.end('client_logout');
    await recorder.close();
    const store = storeFor('basic');
    const report = await verifySession(store, s.sessionId, await loadStoreKeys(store));
    expect(report).toMatchObject({ ok: true, problems: [], status: 'ended' });
    expect((await loadSessionListing(store, s.sessionId)).statements[0]).toMatchObject({ sqlText: 'select 1', rows: 1, queryId: 'q' });
    expect(await store.get('rec/v1/keys/jwks.json')).toBeDefined();
    // Listing walks day and session folders (s3rver needs the flat-listing fallback for these).
    expect((await listSessions(store)).map((l) => l.summary.sessionId)).toEqual([s.sessionId]);
  });

  it('loses nothing while S3 is down for 60 s under continuous events, then drains the backlog', async () => {
    await s3.createBucket('outage');
    const registry = new Registry();
    const recorder = await createRecorder({ config: s3Config('outage', 'spool-outage', { flush: { intervalSeconds: 0.5, maxBytes: 64 * 1024 } }), registry, logger: silent, s3Client: s3.client() });
    const s = await recorder.startSession(startInfo());
    let acked = 0;
    let running = true;
    const load = (async () => {
      for (let i = 0; running; i++) {
        await s.queryStarted({ requestId: `r${i}`, sqlText: `insert into db.s.t values (${i})`, statements: [{ class: 'DML_INSERT', reads: [], writes: ['DB.S.T'] }], decision: 'allow' });
        await s.queryEnded({ requestId: `r${i}`, status: 'success', rows: 1 });
        acked++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 1500));
    await s3.stop();
    const ackedAtStop = acked;
    await new Promise((r) => setTimeout(r, 60_000));
    const gauge = async (name: string): Promise<number> => (await registry.getMetricsAsJSON()).find((m) => m.name === name)?.values[0]?.value ?? -1;
    // Events kept being acknowledged from the spool while the store was down, and piled up as backlog.
    expect(acked).toBeGreaterThan(ackedAtStop);
    expect(await gauge('snowtrail_recording_backlog_segments')).toBeGreaterThan(0);
    await s3.start();
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await load;
    await s.end('client_logout');
    await recorder.close();
    expect(await gauge('snowtrail_recording_backlog_segments')).toBe(0);
    expect(await gauge('snowtrail_recording_backlog_bytes')).toBe(0);
    const events = await eventsOf('outage', s.sessionId);
    const queries = events.filter((e) => e.type === 'query');
    expect(queries).toHaveLength(acked);
    expect(new Set(queries.map((q) => q.data.requestId)).size).toBe(acked);
    const store = storeFor('outage');
    expect(await verifySession(store, s.sessionId, await loadStoreKeys(store))).toMatchObject({ ok: true, problems: [] });
  }, 180_000);

  it('after SIGKILL mid-session, a restart uploads everything acknowledged and marks the session interrupted', async () => {
    await s3.createBucket('crash');
    // Small answers travel in the journal: a restart must write them out from the leftover journal.
    const config = s3Config('crash', 'spool-crash', { flush: { intervalSeconds: 3600, maxBytes: 8 * 1024 * 1024 }, journalPayloadMaxBytes: 16 * 1024 });
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../test/recorder-child.ts')], {
      env: { ...process.env, RECORDING_CONFIG: JSON.stringify(config), S3_CREDENTIALS: JSON.stringify({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const acks = await new Promise<{ sessionId: string; last: string }>((resolve) => {
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const n = (out.match(/^ACK /gm) ?? []).length;
        if (n >= 200 && child.exitCode === null) child.kill('SIGKILL');
      });
      child.once('exit', () => {
        const sessionId = /SESSION (\S+)/.exec(out)![1]!;
        const acked = [...out.matchAll(/^ACK (\S+)$/gm)].map((m) => m[1]!);
        resolve({ sessionId, last: acked[acked.length - 1]! });
      });
    });
    expect(child.signalCode).toBe('SIGKILL');
    // Nothing reached the store yet (flush interval of an hour): everything is in the spool.
    const restarted = await createRecorder({ config, registry: new Registry(), logger: silent, s3Client: s3.client() });
    await restarted.close();
    const events = await eventsOf('crash', acks.sessionId);
    const requestIds = events.filter((e) => e.type === 'query').map((e) => e.data.requestId);
    expect(requestIds).toContain(acks.last);
    const lastAckIndex = Number(acks.last.slice(4));
    expect(requestIds.slice(0, lastAckIndex + 1)).toEqual(Array.from({ length: lastAckIndex + 1 }, (_, i) => `req-${i}`));
    expect(events[events.length - 1]).toMatchObject({ type: 'session.interrupted', data: { reason: 'process_restart' } });
    // Every acknowledged answer is stored, its payload (carried in the journal at the crash) readable as a blob.
    const answered = events.filter((e) => e.type === 'result').map((e) => e.data.requestId);
    expect(answered.slice(0, lastAckIndex + 1)).toEqual(requestIds.slice(0, lastAckIndex + 1));
    const store = storeFor('crash');
    const lastAnswer = events.find((e) => e.type === 'result' && e.data.requestId === acks.last)!;
    const chunks: Uint8Array[] = [];
    for await (const c of (await readBlob(store, acks.sessionId, blobRefOf(lastAnswer)!))!) chunks.push(c);
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toMatchObject({ data: { rowset: [[acks.last.slice(4)]] } });
    expect((await loadSessionListing(store, acks.sessionId)).summary.status).toBe('interrupted');
    expect(await verifySession(store, acks.sessionId, await loadStoreKeys(store))).toMatchObject({ ok: true, problems: [], status: 'interrupted' });
  }, 60_000);
});

describe('large v2 blobs on s3rver', () => {
  it('uploads a blob larger than the threshold in parts, byte for byte, and it verifies', async () => {
    await s3.createBucket('multipart');
    const store = createS3Store({ client: s3.client(), bucket: 'multipart', prefix: 'rec/', multipartThresholdBytes: 6 * 1024 * 1024, multipartPartBytes: 5 * 1024 * 1024 });
    const recorder = await createRecorder({ config: s3Config('multipart', 'spool-multipart'), registry: new Registry(), logger: silent, store });
    const s = await recorder.startSession(startInfo());
    const chunk = randomBytes(13 * 1024 * 1024);
    const w = s.openResult({ requestId: 'big', part: 'chunk:0', format: 'arrow', compression: 'none' });
    for (let off = 0; off < chunk.length; off += 1024 * 1024) await w.write(chunk.subarray(off, off + 1024 * 1024));
    await w.end();
    await s.end('client_logout');
    await recorder.close();
    const events = await eventsOf('multipart', s.sessionId);
    const ref = events.find((e) => e.type === 'result')?.data.blob as { sha256: string; bytes: number };
    expect(ref).toEqual({ sha256: createHash('sha256').update(chunk).digest('hex'), bytes: chunk.length });
    const stored = await store.get(blobKey('rec/', s.sessionId, ref.sha256));
    expect(stored?.equals(chunk)).toBe(true);
    expect(await verifySession(store, s.sessionId, await loadStoreKeys(store))).toMatchObject({ ok: true, problems: [] });
  }, 60_000);
});
