import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { join } from 'node:path';
import { createDirStore, listSessionIds, loadStoreKeys, readBlob, readSessionEvents, verifySession, type RecordingEvent } from '@snowtrail/recording';
import { destroy, execute, metricValue, startStack, type Stack } from './harness.js';
import { rawLogin, rawQuery } from './raw-client.js';

/** GETs a URL and returns the exact bytes on the wire (no decompression). */
function rawBytes(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve(Buffer.concat(parts)));
    }).on('error', reject);
  });
}

describe('end to end with the real recorder: snowflake-sdk → sidecar → emulator, recording verified', () => {
  let stack: Stack;
  const clientHashes = new Map<string, string>();
  let queryId = '';
  beforeAll(async () => {
    stack = await startStack({
      realRecorder: true,
      emulator: { chunking: { inlineRows: 500, rowsPerChunk: 10000 } },
    });
    const conn = await stack.connect();
    const { rows } = await execute(conn, 'select count(*) as n from orders');
    expect(rows).toEqual([{ N: 3 }]);
    await destroy(conn);
    const handle = await rawLogin(stack.sidecar.url, await stack.mint());
    const env = await rawQuery(stack.sidecar.url, handle, "select range as id, 'r' || range as r from range(25000)");
    queryId = env.data.queryId!;
    for (const [i, c] of env.data.chunks!.entries()) clientHashes.set(`chunk:${i}`, createHash('sha256').update(await rawBytes(c.url)).digest('hex'));
    expect(clientHashes.size).toBe(3);
    // Shutting down ends the sessions and flushes the recording to the store.
    await stack.sidecar.close();
  });
  afterAll(() => stack.close());

  it('stored sessions that verify, with chunk hashes equal to what the client received', async () => {
    const store = createDirStore(join(stack.dir, 'store'));
    const ids = await listSessionIds(store);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const keys = await loadStoreKeys(store);
    const events: RecordingEvent[] = [];
    for (const id of ids) {
      const report = await verifySession(store, id, keys);
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      for await (const e of readSessionEvents(store, id)) events.push(e);
    }
    const types = new Set(events.map((e) => e.type));
    // Format v2 is the sidecar's default (no recording.formatVersion in its config).
    expect(new Set(events.map((e) => e.version))).toEqual(new Set([2]));
    // Format v2: each payload is one `result` event referencing its blob (no result.data/result.end).
    expect(types.has('result.data')).toBe(false);
    for (const t of ['session.start', 'query', 'query.end', 'result', 'session.end']) expect(types.has(t as RecordingEvent['type'])).toBe(true);
    const parts = events.filter((e) => e.type === 'result' && (e.data as { queryId?: string }).queryId === queryId && String((e.data as { part: string }).part).startsWith('chunk:'));
    expect(parts).toHaveLength(3);
    for (const p of parts) {
      const d = p.data as { part: string; blob: { sha256: string; bytes: number } };
      expect(d.blob.sha256).toBe(clientHashes.get(d.part));
      // The stored blob is the very bytes the client received.
      const hash = createHash('sha256');
      for await (const piece of (await readBlob(store, p.sessionId, d.blob))!) hash.update(piece);
      expect(hash.digest('hex')).toBe(clientHashes.get(d.part));
    }
    expect(await metricValue(stack.registry, 'snowtrail_recording_events_total')).toBeGreaterThan(0);
  });

  it('exposes sidecar and recording metrics on one registry, every name following the conventions', async () => {
    const names = (await stack.registry.getMetricsAsJSON()).filter((m) => m.name.startsWith('snowtrail_'));
    expect(names.some((m) => m.name.startsWith('snowtrail_recording_'))).toBe(true);
    for (const m of names) {
      expect(m.name).toMatch(/^snowtrail_(sidecar|recording|build)_[a-z_]+$/);
      if (String(m.type) === 'counter') expect(m.name).toMatch(/_total$/);
      if (String(m.type) === 'histogram') expect(m.name).toMatch(/_seconds$/);
    }
  });
});

describe('recording.formatVersion: 1 keeps writing the 0.1.0 format, for readers that only know v1', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      realRecorder: true,
      emulator: { chunking: { inlineRows: 500, rowsPerChunk: 10000 } },
      config: (c) => {
        (c.recording as Record<string, unknown>).formatVersion = 1;
      },
    });
    const handle = await rawLogin(stack.sidecar.url, await stack.mint());
    const env = await rawQuery(stack.sidecar.url, handle, "select range as id, 'r' || range as r from range(12000)");
    for (const c of env.data.chunks!) await rawBytes(c.url);
    await stack.sidecar.close();
  });
  afterAll(() => stack.close());

  it('stores v1 sessions (payloads as result.data events, no blobs) that verify', async () => {
    const store = createDirStore(join(stack.dir, 'store'));
    const keys = await loadStoreKeys(store);
    const events: RecordingEvent[] = [];
    for (const id of await listSessionIds(store)) {
      expect((await verifySession(store, id, keys)).problems).toEqual([]);
      for await (const e of readSessionEvents(store, id)) events.push(e);
    }
    expect(new Set(events.map((e) => e.version))).toEqual(new Set([1]));
    expect(events.some((e) => e.type === 'result.data')).toBe(true);
    expect(events.some((e) => e.type === 'result' && (e.data as { blob?: unknown }).blob !== undefined)).toBe(false);
  });
});
