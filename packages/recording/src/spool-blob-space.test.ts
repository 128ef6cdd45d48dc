import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createDirStore } from './dir-store.js';
import { createFaultFs, type FaultFs } from './fault-fs.js';
import type { RecordingEvent } from './format.js';
import { loadStoreKeys } from './jwks.js';
import { readSessionEvents } from './reader.js';
import type { Recorder, SessionRecording } from './recorder-api.js';
import { createRecorder } from './recorder.js';
import { nodeSpoolFs } from './spool-fs.js';
import { verifySession } from './verifier.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

// Format v2 keeps result payloads as spool blob files: their bytes count against spoolMaxBytes like
// events do, so a store outage cannot grow the spool past its cap through result payloads.
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const KIB = 1024;
const CAP = 256 * KIB;
const STORE_DOWN = [{ path: '/store/', error: 'EIO' as const }];

interface Run {
  base: string;
  storeDir: string;
  spoolDir: string;
  fs: FaultFs;
  registry: Registry;
  recorder: Recorder;
}

async function start(mode: 'required' | 'best-effort', reuse?: Pick<Run, 'base' | 'storeDir' | 'spoolDir' | 'fs'> & { keyFile: string }, journalPayloadMaxBytes = 0): Promise<Run & { keyFile: string }> {
  let r = reuse;
  if (!r) {
    const base = await scratch('blob-space');
    cleanup.push(() => rm(base, { recursive: true, force: true }));
    r = { base, storeDir: join(base, 'store'), spoolDir: join(base, 'spool'), fs: createFaultFs(nodeSpoolFs), keyFile: await writeSigningKey(base) };
  }
  const registry = new Registry();
  const recorder = await createRecorder({
    config: recordingConfig({ mode, spoolDir: r.spoolDir, spoolMaxBytes: CAP, store: { type: 'dir', path: r.storeDir }, signing: { keyFile: r.keyFile }, flush: { intervalSeconds: 0.1, maxBytes: 8 * KIB }, journalPayloadMaxBytes }),
    registry,
    logger: silent,
    fs: r.fs,
    closeTimeoutMs: 10_000,
    recoveryTimeoutMs: 200,
  });
  cleanup.push(() => recorder.close());
  return { ...r, registry, recorder };
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l)).reduce((a, v) => a + v.value, 0);
}

const spoolGauge = (run: Run): Promise<number> => metric(run.registry, 'snowtrail_recording_spool_bytes');

/** Bytes of the spool's events and blobs on disk (journal, segments, blob files and their temp files). */
async function spoolDataBytes(spoolDir: string): Promise<{ total: number; blobs: number; tmp: string[] }> {
  let total = 0;
  let blobs = 0;
  const tmp: string[] = [];
  for (const sub of ['journal', 'v1']) {
    const names = (await readdir(join(spoolDir, sub), { recursive: true }).catch(() => [] as string[])).map(String);
    for (const n of names) {
      const isBlob = n.includes('/blobs/');
      if (isBlob && n.includes('.tmp-')) tmp.push(n);
      if (!isBlob && !n.endsWith('.jsonl')) continue;
      const s = await stat(join(spoolDir, sub, n)).catch(() => undefined);
      if (!s?.isFile()) continue;
      total += s.size;
      if (isBlob) blobs += s.size;
    }
  }
  return { total, blobs, tmp };
}

/** A JSON answer of about `bytes` bytes that no other call repeats. */
function answer(bytes: number): Buffer {
  return Buffer.from(JSON.stringify({ data: { rowset: [[randomBytes(bytes / 2).toString('hex')]] }, success: true }));
}

const inline = (s: SessionRecording, i: number, bytes: Buffer): Promise<void> => s.result({ requestId: `r${i}`, part: 'inline', format: 'json', compression: 'none' }, bytes);

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

async function storedEvents(storeDir: string, sessionId: string): Promise<RecordingEvent[]> {
  const out: RecordingEvent[] = [];
  for await (const e of readSessionEvents(createDirStore(storeDir), sessionId)) out.push(e);
  return out;
}

describe('v2 result payloads count against spoolMaxBytes', () => {
  it('required: payloads past the cap during a store outage are refused with spool_full; the spool never passes the cap; the gauge counts blobs', async () => {
    const run = await start('required');
    const s = await run.recorder.startSession(startInfo());
    run.fs.setRules(STORE_DOWN);
    let refusal: unknown;
    let accepted = 0;
    for (let i = 0; i < 40 && refusal === undefined; i++) {
      await inline(s, i, answer(16 * KIB)).then(
        () => accepted++,
        (err: unknown) => (refusal = err),
      );
      const onDisk = await spoolDataBytes(run.spoolDir);
      expect(onDisk.total).toBeLessThanOrEqual(CAP);
      // The gauge tells what the spool holds, payloads included.
      expect(await spoolGauge(run)).toBeGreaterThanOrEqual(onDisk.blobs);
    }
    expect(refusal).toMatchObject({ code: 'SNOWTRAIL_ERR_RECORDING_UNAVAILABLE', reason: 'spool_full' });
    expect(accepted).toBeGreaterThan(5);
    expect(await metric(run.registry, 'snowtrail_recording_refused_total', { reason: 'spool_full' })).toBeGreaterThan(0);
    const full = await spoolDataBytes(run.spoolDir);
    expect(full.blobs).toBeGreaterThan(CAP / 2);
    expect(full.tmp).toEqual([]);
    // The store is back: digests cover the blobs, their space is given back and payloads are taken again.
    run.fs.setRules([]);
    expect(await until(async () => (await spoolDataBytes(run.spoolDir)).blobs === 0)).toBe(true);
    expect(await spoolGauge(run)).toBeLessThan(CAP / 4);
    for (let i = 100; i < 110; i++) await inline(s, i, answer(16 * KIB));
    await s.end('client_logout');
    await run.recorder.close();
    expect(await spoolGauge(run)).toBe(0);
    const store = createDirStore(run.storeDir);
    expect((await verifySession(store, s.sessionId, await loadStoreKeys(store))).problems).toEqual([]);
  }, 60_000);

  it('required: small answers carried in the journal count against the cap too — line and blob file — and are refused past it, never lost once acknowledged', async () => {
    const run = await start('required', undefined, 16 * KIB);
    const s = await run.recorder.startSession(startInfo());
    run.fs.setRules(STORE_DOWN);
    let refusal: unknown;
    const accepted: number[] = [];
    for (let i = 0; i < 200 && refusal === undefined; i++) {
      await inline(s, i, answer(4 * KIB)).then(
        () => accepted.push(i),
        (err: unknown) => (refusal = err),
      );
      const onDisk = await spoolDataBytes(run.spoolDir);
      expect(onDisk.total).toBeLessThanOrEqual(CAP);
      expect(await spoolGauge(run)).toBeGreaterThanOrEqual(onDisk.blobs);
    }
    expect(refusal).toMatchObject({ code: 'SNOWTRAIL_ERR_RECORDING_UNAVAILABLE', reason: 'spool_full' });
    expect(accepted.length).toBeGreaterThan(10);
    run.fs.setRules([]);
    expect(await until(async () => (await spoolDataBytes(run.spoolDir)).blobs === 0)).toBe(true);
    await inline(s, 1000, answer(4 * KIB));
    await s.end('client_logout');
    await run.recorder.close();
    expect(await spoolGauge(run)).toBe(0);
    const events = await storedEvents(run.storeDir, s.sessionId);
    const answered = events.filter((e) => e.type === 'result').map((e) => e.data.requestId);
    expect(answered).toEqual([...accepted, 1000].map((i) => `r${i}`));
    const store = createDirStore(run.storeDir);
    expect((await verifySession(store, s.sessionId, await loadStoreKeys(store))).problems).toEqual([]);
  }, 60_000);

  it('best-effort: payloads past the cap are counted as dropped and told by a gap event; the spool never passes the cap', async () => {
    const run = await start('best-effort');
    const s = await run.recorder.startSession(startInfo());
    run.fs.setRules(STORE_DOWN);
    for (let i = 0; i < 30; i++) {
      await inline(s, i, answer(16 * KIB));
      await new Promise((r) => setTimeout(r, 5));
      expect((await spoolDataBytes(run.spoolDir)).total).toBeLessThanOrEqual(CAP);
    }
    const dropped = await metric(run.registry, 'snowtrail_recording_events_dropped_total', { reason: 'spool_full' });
    expect(dropped).toBeGreaterThan(0);
    run.fs.setRules([]);
    expect(await until(async () => (await spoolDataBytes(run.spoolDir)).blobs === 0)).toBe(true);
    await s.end('client_logout');
    await run.recorder.close();
    const events = await storedEvents(run.storeDir, s.sessionId);
    const told = events.filter((e) => e.type === 'gap').reduce((a, e) => a + Number(e.data.dropped), 0);
    expect(told).toBe(await metric(run.registry, 'snowtrail_recording_events_dropped_total'));
    expect(events.filter((e) => e.type === 'gap').map((e) => e.data.reason)).toContain('spool_full');
  }, 60_000);

  it('a streamed chunk that would cross the cap fails at the bytes that cross it: temp file removed, reservation given back', async () => {
    const run = await start('required');
    const s = await run.recorder.startSession(startInfo());
    run.fs.setRules(STORE_DOWN);
    await new Promise((r) => setTimeout(r, 300));
    const before = await spoolGauge(run);
    const w = s.openResult({ requestId: 'r1', part: 'chunk:0', format: 'json', compression: 'none' });
    const piece = 32 * KIB;
    let written = 0;
    let failure: unknown;
    for (let i = 0; i < 20 && failure === undefined; i++) {
      await w.write(randomBytes(piece)).then(
        () => (written += piece),
        (err: unknown) => (failure = err),
      );
      expect((await spoolDataBytes(run.spoolDir)).total).toBeLessThanOrEqual(CAP);
    }
    expect(failure).toMatchObject({ code: 'SNOWTRAIL_ERR_RECORDING_UNAVAILABLE', reason: 'spool_full' });
    // Everything up to the piece that crossed the cap was taken; that piece was not.
    expect(written).toBeGreaterThan(CAP - before - 2 * piece);
    expect(written).toBeLessThanOrEqual(CAP - before);
    await expect(w.end()).rejects.toMatchObject({ reason: 'spool_full' });
    expect(await until(async () => (await spoolDataBytes(run.spoolDir)).tmp.length === 0)).toBe(true);
    expect(await spoolGauge(run)).toBeLessThan(before + 4 * KIB);
    // The space is there again: a payload that fits is taken while the store is still down.
    await inline(s, 2, answer(64 * KIB));
  }, 60_000);

  it('gives the space back when a part is aborted or its event is refused, and counts an identical payload once', async () => {
    const run = await start('required');
    const s = await run.recorder.startSession(startInfo());
    run.fs.setRules(STORE_DOWN);
    await new Promise((r) => setTimeout(r, 300));
    const before = await spoolGauge(run);
    const w = s.openResult({ requestId: 'r1', part: 'chunk:0', format: 'json', compression: 'none' });
    await w.write(randomBytes(100 * KIB));
    expect(await spoolGauge(run)).toBeGreaterThanOrEqual(before + 100 * KIB);
    await w.abort('client_gone');
    expect(await spoolGauge(run)).toBeLessThan(before + 4 * KIB);
    // The same payload three times (a re-fetched chunk): one blob file, counted once.
    const same = answer(60 * KIB);
    const base = await spoolGauge(run);
    for (let i = 0; i < 3; i++) await inline(s, 10 + i, same);
    const onDisk = await spoolDataBytes(run.spoolDir);
    expect(onDisk.blobs).toBe(same.length);
    expect(await spoolGauge(run)).toBeLessThan(base + same.length + 8 * KIB);
    // Three more identical payloads fit although 3 × 60 KiB more would not.
    for (let i = 0; i < 3; i++) await inline(s, 20 + i, same);
    expect((await spoolDataBytes(run.spoolDir)).blobs).toBe(same.length);
  }, 60_000);

  it('after a restart, blob files already in the spool count against the cap', async () => {
    const first = await start('required');
    const s = await first.recorder.startSession(startInfo());
    first.fs.setRules(STORE_DOWN);
    for (let i = 0; i < 9; i++) await inline(s, i, answer(16 * KIB));
    await first.recorder.close();
    const left = await spoolDataBytes(first.spoolDir);
    expect(left.blobs).toBeGreaterThan(140 * KIB);
    const second = await start('required', first);
    expect(await spoolGauge(second)).toBeGreaterThanOrEqual(left.blobs);
    const t = await second.recorder.startSession(startInfo());
    await expect(inline(t, 1, answer(120 * KIB))).rejects.toMatchObject({ reason: 'spool_full' });
    expect((await spoolDataBytes(second.spoolDir)).total).toBeLessThanOrEqual(CAP);
    second.fs.setRules([]);
    expect(await until(async () => (await spoolDataBytes(second.spoolDir)).blobs === 0)).toBe(true);
    await inline(t, 2, answer(120 * KIB));
  }, 60_000);
});
