import { afterEach, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createDirStore } from './dir-store.js';
import { createFaultFs, type FaultFs } from './fault-fs.js';
import type { RecordingEvent } from './format.js';
import { loadStoreKeys } from './jwks.js';
import { readSessionEvents } from './reader.js';
import type { QueryEndInfo, QueryStartInfo, Recorder, ResultPartInfo } from './recorder-api.js';
import { createRecorder } from './recorder.js';
import { nodeSpoolFs, type SpoolFs } from './spool-fs.js';
import { verifySession } from './verifier.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

// A statement's end recorded with its answer: the `query.end` event goes right after the answer's
// `result` event, so one group commit makes both durable — and a refused answer never leaves an end
// that says the statement succeeded.
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(fs: SpoolFs, mode: 'required' | 'best-effort' = 'required'): Promise<{ recorder: Recorder; storeDir: string }> {
  const base = await scratch('result-with-end');
  cleanup.push(() => rm(base, { recursive: true, force: true }));
  const storeDir = join(base, 'store');
  const recorder = await createRecorder({
    config: recordingConfig({ mode, spoolDir: join(base, 'spool'), store: { type: 'dir', path: storeDir }, signing: { keyFile: await writeSigningKey(base) }, flush: { intervalSeconds: 30, maxBytes: 1024 * 1024 } }),
    registry: new Registry(),
    logger: silent,
    fs,
    closeTimeoutMs: 10_000,
  });
  cleanup.push(() => recorder.close());
  return { recorder, storeDir };
}

const read = (requestId: string): QueryStartInfo => ({ requestId, sqlText: 'select 1', statements: [{ class: 'SELECT', reads: [], writes: [] }], decision: 'allow', effectFree: true });
const part = (requestId: string): ResultPartInfo => ({ requestId, queryId: `q-${requestId}`, part: 'inline', format: 'json', compression: 'none' });
const success = (requestId: string): QueryEndInfo => ({ requestId, queryId: `q-${requestId}`, status: 'success', rows: 1, bytes: answer.length });
const answer = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'X', type: 'fixed' }], rowset: [['1']], returned: 1 }, success: true }));

async function storedEvents(recorder: Recorder, storeDir: string, sessionId: string): Promise<RecordingEvent[]> {
  await recorder.close();
  const store = createDirStore(storeDir);
  expect((await verifySession(store, sessionId, await loadStoreKeys(store))).problems).toEqual([]);
  const events: RecordingEvent[] = [];
  for await (const e of readSessionEvents(store, sessionId)) events.push(e);
  return events;
}

const endsOf = (events: RecordingEvent[], requestId: string): unknown[] => events.filter((e) => e.type === 'query.end' && e.data.requestId === requestId).map((e) => e.data.status);

describe('result with the statement end', () => {
  it('required: the answer and the end are durable after one journal fdatasync — a small read costs two in all, not three', async () => {
    let journalSyncs = 0;
    const counting: SpoolFs = {
      ...nodeSpoolFs,
      async open(path, flags) {
        const h = await nodeSpoolFs.open(path, flags);
        return path.includes('/journal/') ? { ...h, datasync: () => (journalSyncs++, h.datasync()) } : h;
      },
    };
    const { recorder, storeDir } = await setup(counting);
    const s = await recorder.startSession(startInfo());
    await new Promise((r) => setTimeout(r, 50));
    const before = journalSyncs;
    await s.queryStarted(read('r1'));
    await s.result(part('r1'), answer, success('r1'));
    // Nothing is left for the end to wait for: no further fdatasync follows.
    await new Promise((r) => setTimeout(r, 200));
    expect(journalSyncs - before).toBe(2);
    await s.end('client_logout');
    const events = await storedEvents(recorder, storeDir, s.sessionId);
    expect(endsOf(events, 'r1')).toEqual(['success']);
    const types = events.map((e) => e.type);
    expect(types.indexOf('query.end')).toBe(types.indexOf('result') + 1);
  });

  it('required: an answer whose journal write fails is refused and leaves no end saying success; the failure the caller records is the only end', async () => {
    const fs: FaultFs = createFaultFs(nodeSpoolFs);
    const { recorder, storeDir } = await setup(fs);
    const s = await recorder.startSession(startInfo());
    await s.queryStarted(read('r1'));
    await new Promise((r) => setTimeout(r, 50));
    fs.setRules([{ op: 'write', path: '/journal/', error: 'EIO', count: 1 }]);
    await expect(s.result(part('r1'), answer, success('r1'))).rejects.toMatchObject({ code: 'SNOWTRAIL_ERR_RECORDING_UNAVAILABLE' });
    fs.setRules([]);
    await s.queryEnded({ requestId: 'r1', status: 'failed', errorCode: '399502' });
    // The next statement is recorded as usual.
    await s.queryStarted(read('r2'));
    await s.result(part('r2'), answer, success('r2'));
    await s.end('client_logout');
    const events = await storedEvents(recorder, storeDir, s.sessionId);
    expect(endsOf(events, 'r1')).toEqual(['failed']);
    expect(endsOf(events, 'r2')).toEqual(['success']);
  });

  it('best-effort: the end is recorded even when the answer could not be (its blob failed), and the drop is told by a gap; a session ending meanwhile ends after it', async () => {
    const fs: FaultFs = createFaultFs(nodeSpoolFs);
    const { recorder, storeDir } = await setup(fs, 'best-effort');
    const s = await recorder.startSession(startInfo());
    await s.queryStarted(read('r1'));
    fs.setRules([{ op: 'open', path: '/blobs/', error: 'EIO', count: 1 }]);
    await s.result(part('r1'), answer, success('r1'));
    await new Promise((r) => setTimeout(r, 200));
    fs.setRules([]);
    await s.queryStarted(read('r2'));
    // The session ends while the second answer's blob is still being written: its end comes first.
    fs.setRules([{ op: 'fsync', path: '/blobs', delayMs: 300 }]);
    await s.result(part('r2'), answer, success('r2'));
    await s.end('client_logout');
    fs.setRules([]);
    const events = await storedEvents(recorder, storeDir, s.sessionId);
    expect(endsOf(events, 'r1')).toEqual(['success']);
    expect(endsOf(events, 'r2')).toEqual(['success']);
    expect(events.at(-1)?.type).toBe('session.end');
    // Only the second answer is recorded; the first one's drop is told.
    expect(events.filter((e) => e.type === 'result').map((e) => e.data.requestId)).toEqual(['r2']);
    expect(events.filter((e) => e.type === 'gap').reduce((n, e) => n + Number(e.data.dropped), 0)).toBe(1);
  });
});
