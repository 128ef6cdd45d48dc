import { afterEach, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createFaultFs } from './fault-fs.js';
import { createRecorder } from './recorder.js';
import { nodeSpoolFs } from './spool-fs.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

// The spool reserve is given up when the disk fills; while the store is down nothing frees the disk,
// so the reserve must stay released: taking it back as soon as its own bytes fit again would let
// a few statements in, fill the disk again and release it again, over and over.
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function gauge(registry: Registry, name: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((a, v) => a + v.value, 0);
}

describe('the spool reserve', () => {
  it.each([1, 2] as const)('format v%i: stays released while the store is down once the disk filled (no flapping), and comes back once the store frees the disk', async (formatVersion) => {
    const base = await scratch('reserve');
    cleanup.push(() => rm(base, { recursive: true, force: true }));
    const fs = createFaultFs(nodeSpoolFs);
    fs.setQuota({ path: '/spool/', bytes: 1536 * 1024 });
    const registry = new Registry();
    const recorder = await createRecorder({
      config: recordingConfig({ spoolDir: join(base, 'spool'), spoolMaxBytes: 64 * 1024 * 1024, store: { type: 'dir', path: join(base, 'store') }, signing: { keyFile: await writeSigningKey(base) }, flush: { intervalSeconds: 0.1, maxBytes: 64 * 1024 } }),
      registry,
      logger: silent,
      fs,
      formatVersion,
      closeTimeoutMs: 20_000,
    });
    cleanup.push(() => recorder.close());
    const s = await recorder.startSession(startInfo());
    fs.setRules([{ path: '/store/', error: 'EIO' }]);
    const payload = Buffer.from(JSON.stringify({ data: { rowset: [['x'.repeat(2000)]] }, success: true }));
    const once = async (i: number): Promise<boolean> => {
      const requestId = `q-${i}`;
      try {
        await s.queryStarted({ requestId, sqlText: `insert into t values (${i})`, statements: [], decision: 'allow' });
      } catch (err) {
        expect((err as { code?: string }).code).toBe('SNOWTRAIL_ERR_RECORDING_UNAVAILABLE');
        return false;
      }
      await s.result({ requestId, part: 'inline', format: 'json', compression: 'none' }, payload).catch(() => undefined);
      await s.queryEnded({ requestId, status: 'success' }).catch(() => undefined);
      return true;
    };
    let i = 0;
    for (let refusedInARow = 0; i < 5000 && refusedInARow < 10; i++) {
      if (await once(i)) refusedInARow = 0;
      else {
        refusedInARow++;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    expect(await gauge(registry, 'snowtrail_recording_spool_disk_full')).toBe(1);
    // Two seconds more of the outage: statements keep coming, the reserve stays released, none is taken.
    let acceptedWhileDown = 0;
    let restoredWhileDown = 0;
    for (const until = Date.now() + 2000; Date.now() < until; i++) {
      if (await once(i)) acceptedWhileDown++;
      if ((await gauge(registry, 'snowtrail_recording_spool_disk_full')) === 0) restoredWhileDown++;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect({ acceptedWhileDown, restoredWhileDown }).toEqual({ acceptedWhileDown: 0, restoredWhileDown: 0 });
    // The store is back: the backlog drains, the reserve is taken again, statements are recorded.
    fs.setRules([]);
    let inARow = 0;
    for (const deadline = Date.now() + 20_000; inARow < 20 && Date.now() < deadline; i++) {
      if (await once(i)) inARow++;
      else {
        inARow = 0;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(inARow).toBe(20);
    expect(await gauge(registry, 'snowtrail_recording_spool_disk_full')).toBe(0);
  }, 60_000);
});

describe('a spool disk that fills during a store outage when the reserve gives no room back', () => {
  // The reserve was written before the disk filled up to its last byte by something else (here: the
  // simulated disk starts counting after it was written), so releasing it frees nothing. The digest
  // state save that must come before digested segments are deleted cannot be written either: only
  // payload blobs the store acknowledged can be deleted without any write first.
  it('format v2: serves again once the store is back', async () => {
    const base = await scratch('reserve-gone');
    cleanup.push(() => rm(base, { recursive: true, force: true }));
    const fs = createFaultFs(nodeSpoolFs);
    const registry = new Registry();
    const recorder = await createRecorder({
      config: recordingConfig({ spoolDir: join(base, 'spool'), spoolMaxBytes: 64 * 1024 * 1024, store: { type: 'dir', path: join(base, 'store') }, signing: { keyFile: await writeSigningKey(base) }, flush: { intervalSeconds: 0.1, maxBytes: 64 * 1024 } }),
      registry,
      logger: silent,
      fs,
      closeTimeoutMs: 20_000,
    });
    cleanup.push(() => recorder.close());
    fs.setQuota({ path: '/spool/', bytes: 1024 * 1024 });
    const s = await recorder.startSession(startInfo());
    fs.setRules([{ path: '/store/', error: 'EIO' }]);
    const payload = Buffer.from(JSON.stringify({ data: { rowset: [['x'.repeat(3000)]] }, success: true }));
    const once = async (i: number): Promise<boolean> => {
      const requestId = `q-${i}`;
      try {
        await s.queryStarted({ requestId, sqlText: `insert into t values (${i})`, statements: [], decision: 'allow' });
        await s.result({ requestId, part: 'inline', format: 'json', compression: 'none' }, payload);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('SNOWTRAIL_ERR_RECORDING_UNAVAILABLE');
        return false;
      }
      await s.queryEnded({ requestId, status: 'success' }).catch(() => undefined);
      return true;
    };
    let i = 0;
    for (let refusedInARow = 0; i < 5000 && refusedInARow < 10; i++) {
      if (await once(i)) refusedInARow = 0;
      else {
        refusedInARow++;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    expect(await gauge(registry, 'snowtrail_recording_spool_disk_full')).toBe(1);
    // Full to the last byte: not even a state file fits.
    fs.setQuota({ path: '/spool/', bytes: fs.quotaUsed });
    fs.setRules([]);
    let inARow = 0;
    for (const deadline = Date.now() + 20_000; inARow < 20 && Date.now() < deadline; i++) {
      if (await once(i)) inARow++;
      else {
        inARow = 0;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(inARow).toBe(20);
  }, 60_000);
});
