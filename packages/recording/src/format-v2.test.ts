import { afterEach, describe, expect, it } from '@jest/globals';
import { cp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { createRecorder } from './recorder.js';
import { createDirStore } from './dir-store.js';
import { blobRefOf, readBlob, readSessionEvents } from './reader.js';
import { verifySession } from './verifier.js';
import { loadStoreKeys } from './jwks.js';
import { sha256Hex } from './chain.js';
import { blobKey, sessionPrefix } from './layout.js';
import type { DigestPayload } from './digest.js';
import type { RecordingEvent } from './format.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(redact: string[] = [], extra: Partial<Parameters<typeof recordingConfig>[0]> = {}): Promise<{ base: string; storeDir: string; spoolDir: string; recorder: Awaited<ReturnType<typeof createRecorder>> }> {
  const base = await scratch('v2');
  cleanup.push(() => rm(base, { recursive: true, force: true }));
  const storeDir = join(base, 'store');
  const spoolDir = join(base, 'spool');
  const keyFile = await writeSigningKey(base);
  const recorder = await createRecorder({ config: recordingConfig({ spoolDir, store: { type: 'dir', path: storeDir }, signing: { keyFile }, redact, ...extra }), registry: new Registry(), logger: silent });
  cleanup.push(() => recorder.close());
  return { base, storeDir, spoolDir, recorder };
}

const CHUNK = gzipSync(Buffer.from(Array.from({ length: 40000 }, (_, i) => `["${i}","name-${i}"]`).join(',')));
const INLINE = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'ID' }, { name: 'NAME' }], rowset: [['1', 'a']], chunks: [{ url: 'x' }] }, success: true }));

/** A session with an inline answer and the same gzip chunk served twice (a re-fetch). */
async function recordSession(): Promise<{ storeDir: string; spoolDir: string; base: string; sessionId: string }> {
  const { recorder, storeDir, spoolDir, base } = await setup();
  const s = await recorder.startSession(startInfo());
  await s.queryStarted({ requestId: 'r1', sqlText: 'select * from t', statements: [{ class: 'SELECT', reads: ['DB.S.T'], writes: [] }], decision: 'allow' });
  await s.result({ requestId: 'r1', queryId: 'q-1', part: 'inline', format: 'json', compression: 'none' }, INLINE);
  for (let served = 0; served < 2; served++) {
    const w = s.openResult({ requestId: 'r1', queryId: 'q-1', part: 'chunk:0', format: 'json', compression: 'gzip' });
    for (let off = 0; off < CHUNK.length; off += 50_000) await w.write(CHUNK.subarray(off, off + 50_000));
    expect(await w.end()).toEqual({ sha256: sha256Hex(CHUNK), bytes: CHUNK.length });
  }
  await s.queryEnded({ requestId: 'r1', queryId: 'q-1', status: 'success', rows: 40001 });
  await s.end('client_logout');
  await recorder.close();
  return { storeDir, spoolDir, base, sessionId: s.sessionId };
}

async function events(storeDir: string, sessionId: string): Promise<RecordingEvent[]> {
  const out: RecordingEvent[] = [];
  for await (const e of readSessionEvents(createDirStore(storeDir), sessionId)) out.push(e);
  return out;
}

async function bytesOf(stream: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream ?? []) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

async function verify(storeDir: string, sessionId: string, prefix = ''): Promise<{ ok: boolean; kinds: string[] }> {
  const store = createDirStore(storeDir, prefix);
  const r = await verifySession(store, sessionId, await loadStoreKeys(store));
  return { ok: r.ok, kinds: [...new Set(r.problems.map((p) => p.kind))] };
}

describe('recording format v2: result payloads as content-addressed blobs', () => {
  it('stores each payload once, byte for byte as received, referenced by SHA-256 and length from one small result event', async () => {
    const { storeDir, spoolDir, sessionId } = await recordSession();
    const all = await events(storeDir, sessionId);
    expect(all.every((e) => e.version === 2)).toBe(true);
    expect(all.map((e) => e.type)).not.toContain('result.data');
    const results = all.filter((e) => e.type === 'result');
    expect(results).toHaveLength(3);
    // No payload bytes inside events: every line stays small.
    for (const e of results) expect(JSON.stringify(e).length).toBeLessThan(1024);
    const chunkRefs = results.filter((e) => e.data.part === 'chunk:0').map((e) => blobRefOf(e));
    expect(chunkRefs).toEqual([{ sha256: sha256Hex(CHUNK), bytes: CHUNK.length }, { sha256: sha256Hex(CHUNK), bytes: CHUNK.length }]);
    const store = createDirStore(storeDir);
    // Snowflake's gzip kept as is: the stored blob is the very bytes the client received.
    expect((await bytesOf(await readBlob(store, sessionId, chunkRefs[0]!))).equals(CHUNK)).toBe(true);
    expect((await bytesOf(await readBlob(store, sessionId, blobRefOf(results[0]!)!))).equals(INLINE)).toBe(true);
    // The re-fetched chunk is stored once.
    expect((await store.list(`${sessionPrefix('', sessionId)}blobs/`)).map((o) => o.key).sort()).toEqual([blobKey('', sessionId, sha256Hex(CHUNK)), blobKey('', sessionId, sha256Hex(INLINE))].sort());
    expect(await verify(storeDir, sessionId)).toEqual({ ok: true, kinds: [] });
    expect(await readdir(join(spoolDir, 'v1'))).toEqual([]);
  });

  it('signs digests that list the blobs and name every object relative to the session', async () => {
    const { storeDir, sessionId } = await recordSession();
    const store = createDirStore(storeDir);
    const payloads: DigestPayload[] = [];
    for (const o of await store.list(`${sessionPrefix('', sessionId)}digests/`)) {
      payloads.push(JSON.parse(Buffer.from((await store.get(o.key))!.toString().split('.')[1]!, 'base64url').toString()) as DigestPayload);
    }
    expect(payloads.every((p) => p.version === 2)).toBe(true);
    const blobs = payloads.flatMap((p) => p.blobs ?? []);
    expect(blobs).toContainEqual({ key: `blobs/${sha256Hex(CHUNK)}`, sha256: sha256Hex(CHUNK), bytes: CHUNK.length });
    for (const p of payloads) {
      expect(p.index.key).toMatch(/^index\/\d{6}\.json$/);
      for (const s of p.segments) expect(s.key).toMatch(/^segments\/\d{6}\.jsonl\.gz$/);
    }
  });

  it('verifies wherever its objects are copied (another directory and key prefix)', async () => {
    const { storeDir, base, sessionId } = await recordSession();
    const copy = join(base, 'elsewhere');
    await cp(join(storeDir, 'v1'), join(copy, 'archive', '2026', 'v1'), { recursive: true });
    expect(await verify(copy, sessionId, 'archive/2026/')).toEqual({ ok: true, kinds: [] });
  });

  it('fails verify when a blob is changed', async () => {
    const { storeDir, sessionId } = await recordSession();
    const path = join(storeDir, blobKey('', sessionId, sha256Hex(CHUNK)));
    const body = await readFile(path);
    body.writeUInt8(body.readUInt8(body.length - 20) ^ 0xff, body.length - 20);
    await writeFile(path, body);
    expect(await verify(storeDir, sessionId)).toEqual({ ok: false, kinds: ['blob_altered'] });
  });

  it('fails verify when a blob is missing', async () => {
    const { storeDir, sessionId } = await recordSession();
    await unlink(join(storeDir, blobKey('', sessionId, sha256Hex(INLINE))));
    expect(await verify(storeDir, sessionId)).toEqual({ ok: false, kinds: ['blob_missing'] });
  });

  it('fails verify when a result event is pointed at another blob, even one the digests list', async () => {
    const { storeDir, sessionId } = await recordSession();
    const store = createDirStore(storeDir);
    const inlineSha = sha256Hex(INLINE);
    for (const o of await store.list(`${sessionPrefix('', sessionId)}segments/`)) {
      const text = gunzipSync((await store.get(o.key))!).toString();
      if (!text.includes(sha256Hex(CHUNK))) continue;
      // The attacker re-points a chunk's reference at the (listed, intact) inline answer's blob.
      const swapped = text.replace(`"blob":{"sha256":"${sha256Hex(CHUNK)}","bytes":${CHUNK.length}}`, `"blob":{"sha256":"${inlineSha}","bytes":${INLINE.length}}`);
      expect(swapped).not.toBe(text);
      await writeFile(join(storeDir, o.key), gzipSync(swapped));
    }
    const r = await verify(storeDir, sessionId);
    expect(r.ok).toBe(false);
    expect(r.kinds).toEqual(expect.arrayContaining(['segment_altered', 'chain_broken']));
  });

  it('stores redacted chunks masked, records an aborted chunk without its bytes, and leaves no spool blob behind', async () => {
    const { recorder, storeDir, spoolDir } = await setup(['name']);
    const s = await recorder.startSession(startInfo());
    await s.result({ requestId: 'r1', part: 'inline', format: 'json', compression: 'none' }, INLINE);
    const plain = Buffer.from('["7","secret-name"],["8","other"]');
    const w = s.openResult({ requestId: 'r1', part: 'chunk:0', format: 'json', compression: 'gzip' });
    await w.write(gzipSync(plain));
    await w.end();
    const cut = s.openResult({ requestId: 'r1', part: 'chunk:1', format: 'json', compression: 'none' });
    await cut.write(Buffer.from('["9","x"]'));
    await cut.abort('client_gone');
    await s.end('client_logout');
    await recorder.close();
    const all = await events(storeDir, s.sessionId);
    const chunk = all.find((e) => e.type === 'result' && e.data.part === 'chunk:0')!;
    const stored = await bytesOf(await readBlob(createDirStore(storeDir), s.sessionId, blobRefOf(chunk)!));
    expect(stored.toString()).toBe('["7","[REDACTED]"],["8","[REDACTED]"]');
    expect(chunk.data).toMatchObject({ storedCompression: 'none', redaction: { columns: ['NAME'], method: 'replace' } });
    expect(all.find((e) => e.type === 'result.abort')?.data).toMatchObject({ part: 'chunk:1', reason: 'client_gone', clientBytes: 9 });
    expect((await verify(storeDir, s.sessionId)).ok).toBe(true);
    expect(await readdir(join(spoolDir, 'v1'))).toEqual([]);
  });

  it('refuses a result whose event the full spool cannot take, and leaves no orphan blob behind', async () => {
    const { recorder, spoolDir } = await setup([], { spoolMaxBytes: 4096, flush: { intervalSeconds: 3600, maxBytes: 1024 * 1024 } });
    const s = await recorder.startSession(startInfo());
    const q = { requestId: 'r', sqlText: 'select ' + 'x'.repeat(1500), statements: [{ class: 'SELECT', reads: [], writes: [] }], decision: 'allow' as const };
    await s.queryStarted(q);
    // Fill the spool with small events until it refuses one: no room is left for a result event.
    for (let i = 0; i < 200; i++) if (await s.note('token.renewed', { i }).then(() => false, () => true)) break;
    await expect(s.result({ requestId: 'r', part: 'inline', format: 'json', compression: 'none' }, INLINE)).rejects.toMatchObject({ reason: 'spool_full' });
    const w = s.openResult({ requestId: 'r', part: 'chunk:0', format: 'json', compression: 'gzip' });
    // The payload's bytes count against the cap too: refused at the write, before the client has them.
    await expect(w.write(CHUNK)).rejects.toMatchObject({ reason: 'spool_full' });
    await expect(w.end()).rejects.toMatchObject({ reason: 'spool_full' });
    const blobs = await readdir(join(spoolDir, 'v1', s.sessionId, 'blobs'));
    expect(blobs).toEqual([]);
  });
});
