import { afterEach, describe, expect, it } from '@jest/globals';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { sha256Hex } from './chain.js';
import { createDirStore } from './dir-store.js';
import { createFaultFs } from './fault-fs.js';
import type { RecordingEvent } from './format.js';
import { loadStoreKeys } from './jwks.js';
import { blobRefOf, readBlob, readSessionEvents } from './reader.js';
import type { QueryStartInfo, Recorder } from './recorder-api.js';
import { createRecorder } from './recorder.js';
import { nodeSpoolFs, type SpoolFs } from './spool-fs.js';
import { verifySession } from './verifier.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

// What required mode waits for before a statement is forwarded and before its answer is released
// (writeAhead): an effect-free read is forwarded once its `query` event is written and answered once
// it and the answer are durable; anything else is forwarded only once its `query` event is durable.
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The real file layer, except that journal fdatasyncs wait while the gate is held. */
function gatedJournal(): { fs: SpoolFs; hold(): void; release(): void } {
  let gate: { promise: Promise<void>; open(): void } | undefined;
  const fs: SpoolFs = {
    ...nodeSpoolFs,
    async open(path, flags) {
      const h = await nodeSpoolFs.open(path, flags);
      if (!path.includes('/journal/')) return h;
      return {
        ...h,
        datasync: async () => {
          await gate?.promise;
          await h.datasync();
        },
      };
    },
  };
  return {
    fs,
    hold() {
      let open!: () => void;
      gate = { promise: new Promise<void>((r) => (open = r)), open: () => open() };
    },
    release() {
      gate?.open();
      gate = undefined;
    },
  };
}

async function setup(fs: SpoolFs, writeAhead?: 'changes' | 'all', journalPayloadMaxBytes?: number): Promise<{ recorder: Recorder; storeDir: string; spoolDir: string }> {
  const base = await scratch('write-ahead');
  cleanup.push(() => rm(base, { recursive: true, force: true }));
  const storeDir = join(base, 'store');
  const spoolDir = join(base, 'spool');
  const keyFile = await writeSigningKey(base);
  const recorder = await createRecorder({
    config: recordingConfig({ spoolDir, store: { type: 'dir', path: storeDir }, signing: { keyFile }, flush: { intervalSeconds: 30, maxBytes: 1024 * 1024 }, ...(writeAhead ? { writeAhead } : {}), ...(journalPayloadMaxBytes !== undefined ? { journalPayloadMaxBytes } : {}) }),
    registry: new Registry(),
    logger: silent,
    fs,
  });
  cleanup.push(() => recorder.close());
  return { recorder, storeDir, spoolDir };
}

const read = (requestId: string): QueryStartInfo => ({ requestId, sqlText: 'select id from raw.public.orders', statements: [{ class: 'SELECT', reads: ['RAW.PUBLIC.ORDERS'], writes: [] }], decision: 'allow', effectFree: true });
const write = (requestId: string): QueryStartInfo => ({ requestId, sqlText: 'insert into raw.public.orders values (1)', statements: [{ class: 'INSERT', reads: [], writes: ['RAW.PUBLIC.ORDERS'] }], decision: 'allow' });
const answer = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'ID', type: 'fixed' }], rowset: [['1']], returned: 1 }, success: true }));

type State = 'pending' | 'ok' | 'failed';
function track(p: Promise<unknown>): { state: State; error?: unknown } {
  const t: { state: State; error?: unknown } = { state: 'pending' };
  p.then(
    () => (t.state = 'ok'),
    (err: unknown) => Object.assign(t, { state: 'failed', error: err }),
  );
  return t;
}

async function until(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !check(); ) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Lets every ready callback and I/O completion run (a held fdatasync stays held). */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 150));

async function journalText(spoolDir: string): Promise<string> {
  const dir = join(spoolDir, 'journal');
  const parts = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.jsonl')).map((f) => readFile(join(dir, f), 'utf8')));
  return parts.join('');
}

describe('required mode, writeAhead: changes (the default)', () => {
  it('forwards an effect-free read once its query event is written, and releases its answer only once both are durable', async () => {
    const gated = gatedJournal();
    const { recorder, spoolDir } = await setup(gated.fs);
    const s = await recorder.startSession(startInfo());
    gated.hold();
    const started = track(s.queryStarted(read('r1')));
    await until(() => started.state !== 'pending');
    // Forwardable while its fdatasync is still held: the event is in the journal file.
    expect(started.state).toBe('ok');
    expect(await journalText(spoolDir)).toContain('"requestId":"r1"');
    const released = track(s.result({ requestId: 'r1', queryId: 'q1', part: 'inline', format: 'json', compression: 'none' }, answer));
    await settle();
    expect(released.state).toBe('pending');
    gated.release();
    await until(() => released.state !== 'pending');
    expect(released.state).toBe('ok');
    await s.end('client_logout');
  });

  it('journalPayloadMaxBytes: a small read costs one fdatasync — its answer travels in the journal with its result event, no blob file is synced on the way', async () => {
    let syncs = 0;
    const counting: SpoolFs = {
      ...nodeSpoolFs,
      async open(path, flags) {
        const h = await nodeSpoolFs.open(path, flags);
        return {
          ...h,
          datasync: () => (syncs++, h.datasync()),
          sync: () => (syncs++, h.sync()),
        };
      },
    };
    const { recorder, storeDir } = await setup(counting, undefined, 16 * 1024);
    const s = await recorder.startSession(startInfo());
    await s.queryStarted(read('r1'));
    // Whatever the query event's own fdatasync is doing, the answer waits for one more at most.
    await new Promise((r) => setTimeout(r, 50));
    const before = syncs;
    await s.result({ requestId: 'r1', queryId: 'q1', part: 'inline', format: 'json', compression: 'none' }, answer);
    expect(syncs - before).toBe(1);
    await s.queryEnded({ requestId: 'r1', queryId: 'q1', status: 'success', rows: 1 });
    await s.end('client_logout');
    await recorder.close();
    // The payload is stored as the session's blob all the same, and the session verifies.
    const store = createDirStore(storeDir);
    const events: RecordingEvent[] = [];
    for await (const e of readSessionEvents(store, s.sessionId)) events.push(e);
    const result = events.find((e) => e.type === 'result')!;
    expect(result.data.blob).toEqual({ sha256: sha256Hex(answer), bytes: answer.length });
    const stored: Uint8Array[] = [];
    for await (const c of (await readBlob(store, s.sessionId, blobRefOf(result)!))!) stored.push(c);
    expect(Buffer.concat(stored).equals(answer)).toBe(true);
    expect((await verifySession(store, s.sessionId, await loadStoreKeys(store))).problems).toEqual([]);
  });

  it('forwards a statement that can change anything only once its query event is durable', async () => {
    const gated = gatedJournal();
    const { recorder } = await setup(gated.fs);
    const s = await recorder.startSession(startInfo());
    gated.hold();
    const started = track(s.queryStarted(write('w1')));
    // A read marked effect-free by mistake of the caller is not what decides: no flag, full wait.
    const unmarked = track(s.queryStarted({ ...read('r0'), effectFree: undefined }));
    await settle();
    expect([started.state, unmarked.state]).toEqual(['pending', 'pending']);
    gated.release();
    await until(() => started.state !== 'pending' && unmarked.state !== 'pending');
    expect([started.state, unmarked.state]).toEqual(['ok', 'ok']);
    await s.end('client_logout');
  });

  it('writeAhead: all makes every statement durable before it is forwarded', async () => {
    const gated = gatedJournal();
    const { recorder } = await setup(gated.fs, 'all');
    const s = await recorder.startSession(startInfo());
    gated.hold();
    const started = track(s.queryStarted(read('r1')));
    await settle();
    expect(started.state).toBe('pending');
    gated.release();
    await until(() => started.state !== 'pending');
    expect(started.state).toBe('ok');
    await s.end('client_logout');
  });

  it('a read whose query event was written but never made durable gets no answer: refused, nothing of it stored, the chain intact, recording goes on', async () => {
    const fs = createFaultFs(nodeSpoolFs);
    const { recorder, storeDir, spoolDir } = await setup(fs);
    const s = await recorder.startSession(startInfo());
    // The next journal fdatasync fails (EIO): the write already succeeded, so the read was forwarded.
    fs.setRules([{ op: 'fsync', path: '/journal/', error: 'EIO', count: 1 }]);
    await s.queryStarted(read('r1'));
    const lostAnswer = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'ID', type: 'fixed' }], rowset: [['42']], returned: 1 }, success: true }));
    await expect(s.result({ requestId: 'r1', queryId: 'q1', part: 'inline', format: 'json', compression: 'none' }, lostAnswer)).rejects.toMatchObject({ code: 'SNOWTRAIL_ERR_RECORDING_UNAVAILABLE' });
    // A streamed chunk of the lost statement is refused too (its end never resolves ok).
    const chunk = s.openResult({ requestId: 'r1', queryId: 'q1', part: 'chunk:0', format: 'json', compression: 'none' });
    await chunk.write(Buffer.from('["1"]')).catch(() => undefined);
    await expect(chunk.end()).rejects.toMatchObject({ code: 'SNOWTRAIL_ERR_RECORDING_UNAVAILABLE' });
    // The next statement is recorded as usual.
    await s.queryStarted(read('r2'));
    await s.result({ requestId: 'r2', queryId: 'q2', part: 'inline', format: 'json', compression: 'none' }, answer);
    await s.queryEnded({ requestId: 'r2', queryId: 'q2', status: 'success', rows: 1 });
    await s.end('client_logout');
    await recorder.close();

    const store = createDirStore(storeDir);
    const events: RecordingEvent[] = [];
    for await (const e of readSessionEvents(store, s.sessionId)) events.push(e);
    const requestIds = events.map((e) => e.data.requestId).filter((r) => r !== undefined);
    expect(requestIds).not.toContain('r1');
    expect(requestIds).toEqual(expect.arrayContaining(['r2']));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    const report = await verifySession(store, s.sessionId, await loadStoreKeys(store));
    expect(report.problems).toEqual([]);
    // Its answer's bytes were not kept anywhere: neither in the store nor left in the spool.
    const files = [...(await readdir(storeDir, { recursive: true })), ...(await readdir(spoolDir, { recursive: true }))].map(String);
    expect(files.filter((f) => f.endsWith(sha256Hex(lostAnswer)))).toEqual([]);
    expect(files.filter((f) => f.endsWith(sha256Hex(answer)))).not.toEqual([]);
  });
});

describe('small payloads carried in the journal (journalPayloadMaxBytes)', () => {
  it('best-effort: a gap event told between a payload line and its result event never separates them into two journals', async () => {
    const base = await scratch('carried');
    cleanup.push(() => rm(base, { recursive: true, force: true }));
    const fs = createFaultFs(nodeSpoolFs);
    const storeDir = join(base, 'store');
    const recorder = await createRecorder({
      // A journal smaller than one payload line: the gap event's append reaches the size limit.
      config: recordingConfig({ mode: 'best-effort', spoolDir: join(base, 'spool'), store: { type: 'dir', path: storeDir }, signing: { keyFile: await writeSigningKey(base) }, flush: { intervalSeconds: 30, maxBytes: 1024 }, journalPayloadMaxBytes: 16 * 1024 }),
      registry: new Registry(),
      logger: silent,
      fs,
    });
    cleanup.push(() => recorder.close());
    const s = await recorder.startSession(startInfo());
    // One event is dropped (the journal write fails): the session owes a gap event.
    fs.setRules([{ op: 'write', path: '/journal/', error: 'EIO', count: 1 }]);
    await s.queryStarted(read('r1'));
    await new Promise((r) => setTimeout(r, 100));
    const big = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'V', type: 'text' }], rowset: [['x'.repeat(2000)]], returned: 1 }, success: true }));
    await s.result({ requestId: 'r2', queryId: 'q2', part: 'inline', format: 'json', compression: 'none' }, big);
    await s.end('client_logout');
    await recorder.close();
    const store = createDirStore(storeDir);
    const events: RecordingEvent[] = [];
    for await (const e of readSessionEvents(store, s.sessionId)) events.push(e);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['gap', 'result']));
    expect((await verifySession(store, s.sessionId, await loadStoreKeys(store))).problems).toEqual([]);
    const parts: Uint8Array[] = [];
    for await (const c of (await readBlob(store, s.sessionId, blobRefOf(events.find((e) => e.type === 'result')!)!))!) parts.push(c);
    expect(Buffer.concat(parts).equals(big)).toBe(true);
  });
});

describe('best-effort mode', () => {
  it('releases an answer and a chunk without waiting for their blob files to be durable', async () => {
    let held = true;
    const waiting: (() => void)[] = [];
    const fs: SpoolFs = {
      ...nodeSpoolFs,
      async open(path, flags) {
        const h = await nodeSpoolFs.open(path, flags);
        if (!path.includes('/blobs/')) return h;
        return {
          ...h,
          datasync: async () => {
            if (held) await new Promise<void>((r) => waiting.push(r));
            await h.datasync();
          },
        };
      },
    };
    const base = await scratch('best-effort');
    cleanup.push(() => rm(base, { recursive: true, force: true }));
    const storeDir = join(base, 'store');
    const recorder = await createRecorder({
      config: recordingConfig({ mode: 'best-effort', spoolDir: join(base, 'spool'), store: { type: 'dir', path: storeDir }, signing: { keyFile: await writeSigningKey(base) } }),
      registry: new Registry(),
      logger: silent,
      fs,
    });
    cleanup.push(() => recorder.close());
    const s = await recorder.startSession(startInfo());
    await s.queryStarted(read('r1'));
    const answered = track(s.result({ requestId: 'r1', queryId: 'q1', part: 'inline', format: 'json', compression: 'none' }, answer));
    const w = s.openResult({ requestId: 'r1', queryId: 'q1', part: 'chunk:0', format: 'json', compression: 'none' });
    await w.write(Buffer.from('["1"],["2"]'));
    const ended = track(w.end());
    await until(() => answered.state !== 'pending' && ended.state !== 'pending');
    expect([answered.state, ended.state]).toEqual(['ok', 'ok']);
    expect(waiting.length).toBeGreaterThan(0);
    // Once the disk answers, both are recorded all the same.
    held = false;
    for (const go of waiting.splice(0)) go();
    await s.end('client_logout');
    await recorder.close();
    const store = createDirStore(storeDir);
    const events: RecordingEvent[] = [];
    for await (const e of readSessionEvents(store, s.sessionId)) events.push(e);
    expect(events.filter((e) => e.type === 'result').map((e) => String(e.data.part)).sort()).toEqual(['chunk:0', 'inline']);
    expect((await verifySession(store, s.sessionId, await loadStoreKeys(store))).problems).toEqual([]);
  });
});
