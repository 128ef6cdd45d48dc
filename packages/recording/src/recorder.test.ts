import { afterEach, describe, expect, it } from '@jest/globals';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { Registry } from 'prom-client';
import { createRecorder } from './recorder.js';
import { createDirStore } from './dir-store.js';
import { blobRefOf, listSessions, readBlob, readSessionEvents, traceObject } from './reader.js';
import { verifySession } from './verifier.js';
import { loadStoreKeys } from './jwks.js';
import { sha256Hex } from './chain.js';
import { RECORDING_ERRORS } from './errors.js';
import type { Recorder } from './recorder-api.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(overrides: Parameters<typeof recordingConfig>[0] extends infer T ? Partial<T> : never = {}, formatVersion: 1 | 2 = 2): Promise<{ recorder: Recorder; storeDir: string; spoolDir: string; registry: Registry }> {
  const base = await scratch('rec');
  cleanup.push(() => rm(base, { recursive: true, force: true }));
  const storeDir = join(base, 'store');
  const spoolDir = join(base, 'spool');
  const keyFile = await writeSigningKey(base);
  const registry = new Registry();
  const recorder = await createRecorder({
    config: recordingConfig({ spoolDir, store: { type: 'dir', path: storeDir }, signing: { keyFile }, ...overrides }),
    registry,
    logger: silent,
    formatVersion,
  });
  cleanup.push(() => recorder.close());
  return { recorder, storeDir, spoolDir, registry };
}

describe('createRecorder with a directory store', () => {
  it('records a session end to end in format v1 (0.1.0): events, results, index, signed digests that verify', async () => {
    const { recorder, storeDir, spoolDir, registry } = await setup({}, 1);
    const s = await recorder.startSession(startInfo());
    await s.queryStarted({ requestId: 'r1', sqlText: 'insert into sales.public.orders select * from raw.public.orders', statements: [{ class: 'DML_INSERT', reads: ['RAW.PUBLIC.ORDERS'], writes: ['SALES.PUBLIC.ORDERS'] }], planObjects: ['RAW.PUBLIC.ORDERS'], decision: 'allow' });
    const inline = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'number of rows inserted', type: 'fixed' }], rowset: [['3']], returned: 1 }, success: true }));
    await s.result({ requestId: 'r1', queryId: 'q-1', part: 'inline', format: 'json', compression: 'none' }, inline);
    await s.queryEnded({ requestId: 'r1', queryId: 'q-1', status: 'success', rows: 3, bytes: inline.length });
    // A streamed chunk bigger than one piece.
    const chunk = Buffer.from(Array.from({ length: 30000 }, (_, i) => `["${i}","name-${i}"]`).join(','));
    const w = s.openResult({ requestId: 'r1', queryId: 'q-1', part: 'chunk:0', format: 'json', compression: 'none' });
    for (let off = 0; off < chunk.length; off += 100_000) await w.write(chunk.subarray(off, off + 100_000));
    const ended = await w.end();
    expect(ended).toEqual({ sha256: sha256Hex(chunk), bytes: chunk.length });
    await s.end('client_logout');
    await recorder.close();

    const store = createDirStore(storeDir);
    const [listing] = await listSessions(store);
    expect(listing?.summary.sessionId).toBe(s.sessionId);
    expect(listing?.summary.status).toBe('ended');
    expect(listing?.summary.identity?.podName).toBe('etl-7d9f');
    expect(listing?.statements).toEqual([expect.objectContaining({ requestId: 'r1', queryId: 'q-1', rows: 3, status: 'success', writes: ['SALES.PUBLIC.ORDERS'] })]);

    const events = [];
    for await (const e of readSessionEvents(store, s.sessionId)) events.push(e);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['session.start', 'query', 'result', 'query.end', 'result.data', 'result.end', 'session.end']));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events.find((e) => e.type === 'query')?.data.planObjects).toEqual(['RAW.PUBLIC.ORDERS']);
    const pieces = events.filter((e) => e.type === 'result.data').map((e) => Buffer.from(String(e.data.base64), 'base64'));
    expect(sha256Hex(Buffer.concat(pieces))).toBe(sha256Hex(chunk));

    const report = await verifySession(store, s.sessionId, await loadStoreKeys(store));
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.status).toBe('ended');
    expect((await traceObject(store, 'sales.public.orders')).map((h) => h.statement.requestId)).toEqual(['r1']);
    // The spool is empty once everything was acknowledged.
    expect(await readdir(join(spoolDir, 'v1'))).toEqual([]);
    const metrics = await registry.getMetricsAsJSON();
    const events_total = metrics.find((m) => m.name === 'snowtrail_recording_events_total');
    expect(events_total?.values.find((v) => v.labels.type === 'query')?.value).toBe(1);
  });

  it('registers exactly the recording metrics of the chart contract on the injected registry', async () => {
    const { registry } = await setup();
    expect((await registry.getMetricsAsJSON()).map((m) => m.name).sort()).toEqual([
      'snowtrail_recording_backlog_bytes',
      'snowtrail_recording_backlog_segments',
      'snowtrail_recording_events_dropped_total',
      'snowtrail_recording_events_total',
      'snowtrail_recording_fsync_duration_seconds',
      'snowtrail_recording_oldest_unuploaded_age_seconds',
      'snowtrail_recording_refused_total',
      'snowtrail_recording_spool_bytes',
      'snowtrail_recording_spool_capacity_bytes',
      'snowtrail_recording_spool_disk_full',
      'snowtrail_recording_upload_duration_seconds',
      'snowtrail_recording_upload_lag_seconds',
      'snowtrail_recording_uploads_total',
    ]);
  });

  it('refuses events in required mode once the spool is full, and never writes them', async () => {
    const { recorder, registry } = await setup({ spoolMaxBytes: 4096, flush: { intervalSeconds: 3600, maxBytes: 1024 * 1024 } });
    const s = await recorder.startSession(startInfo());
    const q = { requestId: 'r', sqlText: 'select ' + 'x'.repeat(1500), statements: [{ class: 'SELECT', reads: [], writes: [] }], decision: 'allow' as const };
    await s.queryStarted(q);
    await expect(s.queryStarted(q)).rejects.toMatchObject({ code: RECORDING_ERRORS.unavailable, reason: 'spool_full' });
    const refused = (await registry.getMetricsAsJSON()).find((m) => m.name === 'snowtrail_recording_refused_total');
    expect(refused?.values.find((v) => v.labels.reason === 'spool_full')?.value).toBeGreaterThanOrEqual(1);
  });

  it('drops and counts in best-effort mode, and records the gap', async () => {
    const { recorder, registry, storeDir } = await setup({ mode: 'best-effort', spoolMaxBytes: 4096, flush: { intervalSeconds: 3600, maxBytes: 1024 * 1024 } });
    const s = await recorder.startSession(startInfo());
    const q = { requestId: 'r', sqlText: 'select ' + 'x'.repeat(1500), statements: [{ class: 'SELECT', reads: [], writes: [] }], decision: 'allow' as const };
    await s.queryStarted(q);
    await s.queryStarted(q);
    await s.queryStarted(q);
    const dropped = (await registry.getMetricsAsJSON()).find((m) => m.name === 'snowtrail_recording_events_dropped_total');
    expect(dropped?.values.find((v) => v.labels.reason === 'spool_full')?.value).toBeGreaterThanOrEqual(1);
    await s.end('client_logout');
    await recorder.close();
    const store = createDirStore(storeDir);
    const types = [];
    for await (const e of readSessionEvents(store, s.sessionId)) types.push(e.type);
    expect(types).toContain('gap');
    expect((await verifySession(store, s.sessionId, await loadStoreKeys(store))).ok).toBe(true);
  });

  it('masks redacted columns in inline and streamed gzip JSON results but returns the client hash (format v1)', async () => {
    const { recorder, storeDir } = await setup({ redact: ['*ssn*', 'email'] }, 1);
    const s = await recorder.startSession(startInfo());
    const answer = { data: { rowtype: [{ name: 'ID' }, { name: 'EMAIL' }, { name: 'CUSTOMER_SSN' }], rowset: [['1', 'a@x.io', '123-45-6789'], ['2', null, '987']] }, success: true };
    await s.result({ requestId: 'r9', part: 'inline', format: 'json', compression: 'none' }, Buffer.from(JSON.stringify(answer)));
    const chunkPlain = Buffer.from('["3","b@y.io","111-22-3333"],["4","c\\"q@z.io","x"]');
    const gz = gzipSync(chunkPlain);
    // The chunk's columns come from the statement's inline answer (the sidecar does not repeat them).
    const w = s.openResult({ requestId: 'r9', part: 'chunk:0', format: 'json', compression: 'gzip' });
    await w.write(gz.subarray(0, 10));
    await w.write(gz.subarray(10));
    expect((await w.end()).sha256).toBe(sha256Hex(gz));
    await s.end('client_logout');
    await recorder.close();
    const store = createDirStore(storeDir);
    const all: string[] = [];
    const infos: unknown[] = [];
    for await (const e of readSessionEvents(store, s.sessionId)) {
      if (typeof e.data.base64 === 'string') all.push(Buffer.from(e.data.base64, 'base64').toString('utf8'));
      if (e.data.redaction) infos.push(e.data.redaction);
    }
    const text = all.join('');
    expect(text).not.toContain('a@x.io');
    expect(text).not.toContain('123-45-6789');
    expect(text).not.toContain('b@y.io');
    expect(text).not.toContain('111-22-3333');
    expect(text).toContain('["3","[REDACTED]","[REDACTED]"],["4","[REDACTED]","[REDACTED]"]');
    expect(infos).toContainEqual(expect.objectContaining({ columns: ['EMAIL', 'CUSTOMER_SSN'], method: 'replace' }));
    expect((await verifySession(store, s.sessionId, await loadStoreKeys(store))).ok).toBe(true);
  });

  it.each([1, 2] as const)('masks redacted columns of a streamed gzip Arrow chunk (decoded, masked, re-encoded) and keeps the original hash (format v%i)', async (version) => {
    const { recorder, storeDir } = await setup({ redact: ['email'] }, version);
    const s = await recorder.startSession(startInfo());
    const table = tableFromArrays({ ID: Int32Array.from([1, 2, 3]), EMAIL: ['a@x.io', null, 'c@z.io'] });
    const gz = gzipSync(tableToIPC(table, 'stream'));
    const w = s.openResult({ requestId: 'ra', part: 'chunk:0', format: 'arrow', compression: 'gzip', columns: ['ID', 'EMAIL'] });
    await w.write(gz.subarray(0, 40));
    await w.write(gz.subarray(40));
    expect(await w.end()).toEqual({ sha256: sha256Hex(gz), bytes: gz.length });
    // Garbage where an Arrow chunk should be is withheld, never stored as received.
    const bad = s.openResult({ requestId: 'rb', part: 'chunk:0', format: 'arrow', compression: 'none', columns: ['ID', 'EMAIL'] });
    await bad.write(Buffer.from('not arrow at all, a@x.io'));
    await bad.end();
    await s.end('client_logout');
    await recorder.close();

    // Per part, in order: the bytes stored (v1: result.data pieces; v2: the blob) and the event that closes it.
    const store = createDirStore(storeDir);
    const parts: { stored: Buffer; closing: Record<string, unknown> }[] = [];
    const pieces = new Map<string, Buffer[]>();
    for await (const e of readSessionEvents(store, s.sessionId)) {
      const partId = String(e.data.partId);
      if (e.type === 'result.data') pieces.set(partId, [...(pieces.get(partId) ?? []), Buffer.from(String(e.data.base64), 'base64')]);
      if (e.type === 'result.end') parts.push({ stored: Buffer.concat(pieces.get(partId) ?? []), closing: e.data as Record<string, unknown> });
      const ref = blobRefOf(e);
      if (ref) {
        const chunks: Uint8Array[] = [];
        for await (const c of (await readBlob(store, s.sessionId, ref)) ?? []) chunks.push(c);
        parts.push({ stored: Buffer.concat(chunks), closing: e.data as Record<string, unknown> });
      }
    }
    expect(parts).toHaveLength(2);
    const [good, withheld] = parts as [(typeof parts)[0], (typeof parts)[0]];
    const masked = tableFromIPC(good.stored);
    expect(masked.getChild('ID')?.toArray()).toEqual(Int32Array.from([1, 2, 3]));
    expect(masked.getChild('EMAIL')?.toArray()).toEqual(['[REDACTED]', null, '[REDACTED]']);
    expect(good.closing.redaction).toMatchObject({ columns: ['EMAIL'], method: 'replace', originalSha256: sha256Hex(gz), originalBytes: gz.length });
    expect(withheld.stored.length).toBe(0);
    expect(withheld.closing.redaction).toMatchObject({ columns: ['EMAIL'], method: 'withheld' });
    expect((await verifySession(store, s.sessionId, await loadStoreKeys(store))).ok).toBe(true);
  });
});
