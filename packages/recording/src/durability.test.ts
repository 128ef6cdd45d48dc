import { afterEach, describe, expect, it } from '@jest/globals';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createDirStore } from './dir-store.js';
import { createFaultFs, type FaultFs, type FaultRule } from './fault-fs.js';
import type { RecordingEvent } from './format.js';
import { loadStoreKeys } from './jwks.js';
import { listSessions, readSessionEvents } from './reader.js';
import type { Recorder, SessionRecording } from './recorder-api.js';
import { createRecorder } from './recorder.js';
import { nodeSpoolFs } from './spool-fs.js';
import { verifySession } from './verifier.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

// Disk faults at each durable step of the writer, in both modes, through the real recorder on a
// real spool: only the file layer under it fails (ENOSPC / EIO) for a short window.
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const SEGMENT = '/v1/[^/]+/\\d{6}\\.jsonl';
/** Where a fault hits, as rules of the file layer. */
const STEPS: Record<string, Omit<FaultRule, 'error'>[]> = {
  'journal append': [{ op: ['write', 'fsync'], path: '/journal/[^/]+\\.jsonl$' }],
  'journal split': [{ op: ['read', 'rename'], path: `/journal/[^/]+\\.jsonl$|${SEGMENT}` }],
  'segment write': [{ op: ['open', 'write', 'fsync'], path: `${SEGMENT}\\.tmp-` }],
  'state save': [{ path: '/state\\.json' }],
  'segment upload': [{ op: ['open', 'write', 'fsync', 'rename'], path: '/store/.*/segments/' }],
  'upload bookkeeping': [{ op: ['unlink', 'rm'], path: '/spool/v1/' }, { op: ['open', 'write', 'fsync', 'rename'], path: '/store/.*/(index|digests)/' }],
  // Format v2: result payloads are spool blob files, uploaded before the digest that lists them.
  'blob write': [{ op: ['open', 'write', 'fsync', 'rename'], path: '/spool/v1/[^/]+/blobs/' }],
  'blob upload': [{ op: ['open', 'write', 'fsync', 'rename'], path: '/store/.*/blobs/' }],
};

interface Run {
  storeDir: string;
  spoolDir: string;
  fs: FaultFs;
  registry: Registry;
  recorder: Recorder;
}

async function setup(mode: 'required' | 'best-effort'): Promise<Run> {
  const base = await scratch('durability');
  cleanup.push(() => rm(base, { recursive: true, force: true }));
  const storeDir = join(base, 'store');
  const spoolDir = join(base, 'spool');
  const keyFile = await writeSigningKey(base);
  const fs = createFaultFs(nodeSpoolFs);
  const registry = new Registry();
  const recorder = await createRecorder({
    config: recordingConfig({ mode, spoolDir, store: { type: 'dir', path: storeDir }, signing: { keyFile }, flush: { intervalSeconds: 0.1, maxBytes: 8 * 1024 } }),
    registry,
    logger: silent,
    fs,
    closeTimeoutMs: 60_000,
  });
  cleanup.push(() => recorder.close());
  return { storeDir, spoolDir, fs, registry, recorder };
}

/** Runs statements on a session until `until`; returns the request ids acknowledged and refused. */
async function drive(s: SessionRecording, tag: string, until: () => number): Promise<{ acked: string[]; refused: string[]; ackedAt: number[] }> {
  const out = { acked: [] as string[], refused: [] as string[], ackedAt: [] as number[] };
  for (let i = 0; Date.now() < until(); i++) {
    // Best-effort calls resolve at once: yield so the spool's I/O runs, as a real client's round trips would.
    await new Promise((r) => setTimeout(r, 1));
    const requestId = `${tag}-${i}`;
    const refused = async (err: unknown): Promise<void> => {
      expect((err as { code?: string }).code).toBe('SNOWTRAIL_ERR_RECORDING_UNAVAILABLE');
      await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await s.queryStarted({ requestId, sqlText: `insert into t values (${i})`, statements: [{ class: 'DML_INSERT', reads: [], writes: ['T'] }], decision: 'allow' });
    } catch (err) {
      out.refused.push(requestId);
      await refused(err);
      continue;
    }
    out.acked.push(requestId);
    out.ackedAt.push(Date.now());
    try {
      await s.result({ requestId, queryId: `q-${requestId}`, part: 'inline', format: 'json', compression: 'none' }, Buffer.from(JSON.stringify({ data: { rowset: [[requestId]] }, success: true })));
      await s.queryEnded({ requestId, queryId: `q-${requestId}`, status: 'success', rows: 1 });
    } catch (err) {
      await refused(err);
    }
  }
  return out;
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).map(String);
}

async function storedEvents(storeDir: string): Promise<Map<string, RecordingEvent[]>> {
  const store = createDirStore(storeDir);
  const out = new Map<string, RecordingEvent[]>();
  for (const l of await listSessions(store)) {
    const events: RecordingEvent[] = [];
    for await (const e of readSessionEvents(store, l.summary.sessionId)) events.push(e);
    out.set(l.summary.sessionId, events);
  }
  return out;
}

async function metric(registry: Registry, name: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((a, v) => a + v.value, 0);
}

/**
 * A fault window: 150 ms of normal traffic, then faults for at least `ms` and until the fault has hit
 * at least once (a loaded machine may not reach the faulted step within `ms`; 20 s at most), then
 * traffic until the window ends + 700 ms.
 */
async function runFault(mode: 'required' | 'best-effort', step: string, error: 'ENOSPC' | 'EIO', ms = 600): Promise<Run & { runs: Awaited<ReturnType<typeof drive>>[]; faultEnd: number }> {
  const run = await setup(mode);
  const sessions = [await run.recorder.startSession(startInfo('a')), await run.recorder.startSession(startInfo('b'))];
  const from = Date.now() + 150;
  let faultEnd = Number.POSITIVE_INFINITY;
  run.fs.setRules(STEPS[step]!.map((r) => ({ ...r, error, fromMs: from })));
  const lift = (async () => {
    while (Date.now() < from + ms || (run.fs.injected === 0 && Date.now() < from + 20_000)) await new Promise((r) => setTimeout(r, 20));
    run.fs.setRules([]);
    faultEnd = Date.now();
  })();
  const runs = await Promise.all(sessions.map((s, i) => drive(s, `s${i}`, () => faultEnd + 700)));
  await lift;
  for (const s of sessions) await s.end('client_logout');
  await run.recorder.close();
  return { ...run, runs, faultEnd };
}

describe.each(['ENOSPC', 'EIO'] as const)('required mode under %s', (error) => {
  it.each(Object.keys(STEPS))('at %s: every acknowledged event is stored once, verify passes, service resumes, no temp files', async (step) => {
    const { storeDir, spoolDir, fs, registry, runs, faultEnd } = await runFault('required', step, error);
    expect(fs.injected).toBeGreaterThan(0);
    const stored = await storedEvents(storeDir);
    expect(stored.size).toBe(2);
    const queries = [...stored.values()].flat().filter((e) => e.type === 'query').map((e) => String(e.data.requestId));
    for (const r of runs) {
      expect(queries).toEqual(expect.arrayContaining(r.acked));
      // Served again after the fault, without a restart.
      expect(r.ackedAt.some((t) => t > faultEnd)).toBe(true);
    }
    // Nothing duplicated, nothing refused got in.
    expect(new Set(queries).size).toBe(queries.length);
    const refused = runs.flatMap((r) => r.refused);
    expect(queries.filter((q) => refused.includes(q))).toEqual([]);
    // Refusals are counted.
    expect(await metric(registry, 'snowtrail_recording_refused_total')).toBeGreaterThanOrEqual(refused.length);
    if (step === 'journal append') expect(refused.length).toBeGreaterThan(0);
    const store = createDirStore(storeDir);
    const keys = await loadStoreKeys(store);
    for (const [id, events] of stored) {
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      const report = await verifySession(store, id, keys);
      expect(report.problems).toEqual([]);
      expect(report.status).toBe('ended');
    }
    // Segment numbers have no holes and every digest is on the chain (verify checks both); the spool is empty, no temp file anywhere.
    expect((await filesUnder(join(spoolDir, 'v1'))).length).toBe(0);
    expect((await filesUnder(spoolDir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect((await filesUnder(storeDir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 90_000);
});

describe.each(['ENOSPC', 'EIO'] as const)('best-effort mode under %s', (error) => {
  it.each(['journal append', 'segment write', 'blob write'])('at %s: every dropped event is counted and told by a gap event; recording resumes', async (step) => {
    const { storeDir, registry, runs, faultEnd } = await runFault('best-effort', step, error);
    const dropped = await metric(registry, 'snowtrail_recording_events_dropped_total');
    if (step === 'journal append') expect(dropped).toBeGreaterThan(0);
    const stored = await storedEvents(storeDir);
    // The whole record first (a chain with no hole, resumed after the fault, ended), then the count:
    // a count that falls short then says which of the two went wrong.
    const store = createDirStore(storeDir);
    const keys = await loadStoreKeys(store);
    for (const [id, events] of stored) {
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      expect((await verifySession(store, id, keys)).problems).toEqual([]);
      // Recording resumed by itself: events written after the fault ended are stored.
      expect(events.some((e) => e.type === 'query' && Date.parse(e.time) > faultEnd)).toBe(true);
      expect(events.at(-1)?.type).toBe('session.end');
    }
    const gaps = [...stored.values()].flat().filter((e) => e.type === 'gap');
    expect(gaps.reduce((a, g) => a + Number(g.data.dropped), 0)).toBe(dropped);
    for (const g of gaps) {
      expect(g.data).toMatchObject({ firstDroppedAt: expect.any(String), lastDroppedAt: expect.any(String) });
      expect(['spool_write_failed', 'spool_full']).toContain(g.data.reason);
      expect(Date.parse(String(g.data.firstDroppedAt))).toBeLessThanOrEqual(Date.parse(String(g.data.lastDroppedAt)));
    }
    expect(runs.every((r) => r.refused.length === 0)).toBe(true);
  }, 90_000);
});

describe('a spool disk that fills during a store outage', () => {
  it('refuses while full, serves again without restart once the store is back, loses nothing acknowledged, signs nothing twice', async () => {
    const base = await scratch('disk-full');
    cleanup.push(() => rm(base, { recursive: true, force: true }));
    const storeDir = join(base, 'store');
    const spoolDir = join(base, 'spool');
    const keyFile = await writeSigningKey(base);
    const fs = createFaultFs(nodeSpoolFs);
    // A 1.5 MiB disk under a spool configured far bigger: the disk, not the setting, fills first.
    fs.setQuota({ path: '/spool/', bytes: 1536 * 1024 });
    const registry = new Registry();
    const recorder = await createRecorder({
      config: recordingConfig({ spoolDir, spoolMaxBytes: 64 * 1024 * 1024, store: { type: 'dir', path: storeDir }, signing: { keyFile }, flush: { intervalSeconds: 0.1, maxBytes: 64 * 1024 } }),
      registry,
      logger: silent,
      fs,
      closeTimeoutMs: 20_000,
    });
    cleanup.push(() => recorder.close());
    const s = await recorder.startSession(startInfo('full'));
    fs.setRules([{ path: '/store/', error: 'EIO' }]);
    const payload = Buffer.from(JSON.stringify({ data: { rowset: [['x'.repeat(2000)]] }, success: true }));
    const acked: string[] = [];
    let refusedInARow = 0;
    let firstRefusal = -1;
    // The gauge is sampled at each refusal: while the store is down the reserve may be re-taken and
    // released again between two reads, so a single read after the loop would race with that.
    let sawDiskFull = false;
    const once = async (i: number): Promise<boolean> => {
      const requestId = `q-${i}`;
      try {
        await s.queryStarted({ requestId, sqlText: `insert into t values (${i})`, statements: [], decision: 'allow' });
      } catch (err) {
        expect((err as { code?: string }).code).toBe('SNOWTRAIL_ERR_RECORDING_UNAVAILABLE');
        return false;
      }
      acked.push(requestId);
      await s.result({ requestId, part: 'inline', format: 'json', compression: 'none' }, payload).catch(() => undefined);
      await s.queryEnded({ requestId, status: 'success' }).catch(() => undefined);
      return true;
    };
    let i = 0;
    for (; i < 5000 && refusedInARow < 20; i++) {
      if (await once(i)) refusedInARow = 0;
      else {
        refusedInARow++;
        if (firstRefusal < 0) firstRefusal = i;
        if ((await metric(registry, 'snowtrail_recording_spool_disk_full')) === 1) sawDiskFull = true;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    expect(firstRefusal).toBeGreaterThan(0);
    expect(refusedInARow).toBe(20);
    expect(sawDiskFull).toBe(true);
    // The store is back: the backlog drains, the disk frees, statements are recorded again.
    fs.setRules([]);
    // As the backlog drains the writer takes events again; once it is drained, every statement is recorded.
    let inARow = 0;
    for (const deadline = Date.now() + 20_000; inARow < 50 && Date.now() < deadline; i++) {
      if (await once(i)) inARow++;
      else {
        inARow = 0;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(inARow).toBe(50);
    expect(await metric(registry, 'snowtrail_recording_spool_disk_full')).toBe(0);
    await s.end('client_logout');
    await recorder.close();

    const stored = await storedEvents(storeDir);
    const events = stored.get(s.sessionId)!;
    const queries = events.filter((e) => e.type === 'query').map((e) => String(e.data.requestId));
    expect(queries).toEqual(expect.arrayContaining(acked));
    expect(new Set(queries).size).toBe(queries.length);
    const store = createDirStore(storeDir);
    expect((await verifySession(store, s.sessionId, await loadStoreKeys(store))).problems).toEqual([]);
    const digests = (await store.list('v1/sessions/')).filter((o) => o.key.includes('/digests/'));
    const index = (await store.list('v1/sessions/')).filter((o) => o.key.includes('/index/'));
    expect(index.length).toBe(digests.length);
    expect((await filesUnder(spoolDir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 60_000);
});
