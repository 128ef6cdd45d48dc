import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRadosgwInstalled, startRadosgw, startS3rver, type S3ServerHandle } from '@snowtrail/devkit';
import { createS3Store, FAULT_FILE_ENV, readSessionEvents, type FaultControl, type FaultRule, type RecordingEvent } from '@snowtrail/recording';
import { connectDirect, connectThroughSidecar, destroy, execute, runCli, startSidecarProcess, startWorld, type Connection, type LocalStoreKind, type SidecarProcess, type World } from './harness.js';

// Disk faults under the real `snowtrail sidecar --config` process: its spool writes go through the
// fault-injecting file layer, driven by a control file named in SNOWTRAIL_UNSAFE_TEST_FS_FAULTS.
// Each fault lasts two seconds while snowflake-sdk connections keep running statements. Runs on
// s3rver, and on radosgw where it is installed.
const STORES: LocalStoreKind[] = ['s3rver', ...((await isRadosgwInstalled()) ? (['radosgw'] as const) : [])];
const FAULT_MS = 2000;
const AFTER_MS = 1500;
const SEGMENT = '/spool/v1/[^/]+/\\d{6}\\.jsonl';
const STEPS: Record<string, Omit<FaultRule, 'error'>[]> = {
  'journal append': [{ op: ['write', 'fsync'], path: '/spool/journal/[^/]+\\.jsonl$' }],
  'journal split': [{ op: ['read', 'rename'], path: `/spool/journal/[^/]+\\.jsonl$|${SEGMENT}` }],
  'segment write': [{ op: ['open', 'write', 'fsync'], path: `${SEGMENT}\\.tmp-` }],
  'state save': [{ path: '/spool/v1/[^/]+/state\\.json' }],
  'upload bookkeeping': [{ op: ['unlink', 'rm'], path: '/spool/v1/' }],
};

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface Rig {
  world: World;
  sidecar: SidecarProcess;
  adminUrl: string;
  setFaults(control: Omit<FaultControl, 'unsafeTestOnly'>): Promise<void>;
}

let buckets = 0;

async function rig(s3: S3ServerHandle, recording: Record<string, unknown>): Promise<Rig> {
  const world = await startWorld({ s3, bucket: `faults-${++buckets}`, recording: { flush: { intervalSeconds: 0.5, maxBytes: 64 * 1024 }, ...recording } });
  cleanup.push(() => world.close());
  const adminPort = await freePort();
  world.config.admin = { host: '127.0.0.1', port: adminPort };
  await world.writeConfig();
  const faultFile = join(world.dir, 'faults.json');
  const setFaults = (control: Omit<FaultControl, 'unsafeTestOnly'>): Promise<void> => writeFile(faultFile, JSON.stringify({ unsafeTestOnly: true, ...control }));
  await setFaults({ rules: [] });
  world.env = { ...world.env, [FAULT_FILE_ENV]: faultFile };
  const sidecar = await startSidecarProcess(world);
  cleanup.push(() => sidecar.kill());
  return { world, sidecar, adminUrl: `http://127.0.0.1:${adminPort}`, setFaults };
}

/** Connections running `insert into ledger` one after the other; what the driver saw. */
function load(conns: Connection[], firstId: number): { acked: { id: number; at: number }[]; failed: { id: number; code: string; message: string }[]; stop(): Promise<void> } {
  const acked: { id: number; at: number }[] = [];
  const failed: { id: number; code: string; message: string }[] = [];
  let running = true;
  let next = firstId;
  const loops = conns.map(async (conn) => {
    while (running) {
      const id = next++;
      try {
        await execute(conn, `insert into ledger values (${id})`);
        acked.push({ id, at: Date.now() });
      } catch (err) {
        const e = err as { code?: string | number; message: string };
        failed.push({ id, code: String(e.code), message: e.message });
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  return {
    acked,
    failed,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function metricSum(adminUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

async function storedSessions(world: World): Promise<Map<string, RecordingEvent[]>> {
  const store = createS3Store({ client: world.s3.client(), bucket: world.bucket, prefix: 'audit/' });
  const listed = await runCli(['sessions', 'list', '-o', 'json', ...world.storeArgs], world.env);
  expect(listed.code).toBe(0);
  const out = new Map<string, RecordingEvent[]>();
  for (const { sessionId } of JSON.parse(listed.stdout) as { sessionId: string }[]) {
    const events: RecordingEvent[] = [];
    for await (const e of readSessionEvents(store, sessionId)) events.push(e);
    out.set(sessionId, events);
  }
  return out;
}

const idOf = (e: RecordingEvent): number | undefined => {
  const m = /values \((\d+)\)/.exec(String(e.data.sqlText ?? ''));
  return m ? Number(m[1]) : undefined;
};

/**
 * The checks every case ends with, once the sidecar has stopped. Required mode: every statement
 * the driver saw acknowledged is in the store, and nothing reached Snowflake without its `query`
 * event. Best-effort mode drops instead (the caller checks the gap events account for them).
 */
async function checkRecord(world: World, mode: 'required' | 'best-effort', acked: number[]): Promise<Map<string, RecordingEvent[]>> {
  const sessions = await storedSessions(world);
  const recorded = [...sessions.values()].flat().filter((e) => e.type === 'query').map(idOf);
  if (mode === 'required') {
    expect(recorded).toEqual(expect.arrayContaining(acked));
    const direct = await connectDirect(world);
    const inSnowflake = (await execute(direct, 'select id from ledger')).map((r) => Number(r.ID));
    await destroy(direct);
    expect(recorded).toEqual(expect.arrayContaining(inSnowflake));
  } else {
    // Recording resumed by itself: statements from the end of the run are recorded.
    expect(recorded).toEqual(expect.arrayContaining(acked.slice(-5)));
  }
  for (const events of sessions.values()) expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
  const verified = await runCli(['sessions', 'verify', '--all', ...world.storeArgs], world.env);
  expect({ code: verified.code, stdout: verified.stdout }).toEqual({ code: 0, stdout: expect.not.stringContaining('FAIL') });
  return sessions;
}

describe.each(STORES)('disk faults under the sidecar process, store %s', (store) => {
  // One server for the store's cases (a bucket each): radosgw takes tens of seconds to start.
  let s3: S3ServerHandle;
  beforeAll(async () => {
    s3 = store === 'radosgw' ? await startRadosgw() : await startS3rver();
  }, 180_000);
  afterAll(async () => {
    await s3.close();
  }, 60_000);
  describe.each(['required', 'best-effort'] as const)('%s mode', (mode) => {
    it.each(['ENOSPC', 'EIO'] as const)('%s for two seconds at each durable step: the record accounts for every statement, served again each time without restart', async (error) => {
      const { world, sidecar, adminUrl, setFaults } = await rig(s3, { mode });
      const conns = [await connectThroughSidecar(world, sidecar.url), await connectThroughSidecar(world, sidecar.url)];
      const run = load(conns, 1);
      await new Promise((r) => setTimeout(r, 1000));
      const windows: { step: string; end: number }[] = [];
      for (const [step, rules] of Object.entries(STEPS)) {
        const end = Date.now() + FAULT_MS;
        await setFaults({ rules: rules.map((r) => ({ ...r, error, untilMs: end })) });
        await new Promise((r) => setTimeout(r, FAULT_MS + AFTER_MS));
        windows.push({ step, end });
      }
      await run.stop();
      // Drops are counted once the sessions have ended: best-effort commits an answer's blob and its
      // `result` event after the answer went out; a session's end waits for those commits and tells
      // their drops in its closing `gap`, and a logout is answered only after that end.
      for (const c of conns) await destroy(c);
      const dropped = await metricSum(adminUrl, 'snowtrail_recording_events_dropped_total');
      await sidecar.stop();
      // Served again after every fault, without a restart.
      for (const w of windows) expect({ step: w.step, served: run.acked.some((a) => a.at > w.end && a.at < w.end + AFTER_MS) }).toEqual({ step: w.step, served: true });
      if (mode === 'required') {
        // The journal-append fault refuses statements (a clear Snowflake error); the others are retried unseen.
        expect(run.failed.length).toBeGreaterThan(0);
        for (const f of run.failed) expect({ code: f.code, text: /cannot be recorded|could not be written/.test(f.message) }).toEqual({ code: '399502', text: true });
      } else expect(run.failed).toEqual([]);
      const sessions = await checkRecord(world, mode, run.acked.map((a) => a.id));
      // Best-effort: every dropped event is told by a gap event.
      const told = [...sessions.values()].flat().filter((e) => e.type === 'gap').reduce((a, e) => a + Number(e.data.dropped), 0);
      expect(told).toBe(dropped);
      if (mode === 'best-effort') expect(dropped).toBeGreaterThan(0);
    }, 180_000);
  });

  it('a spool disk that fills during an S3 outage: refused while full, served again once S3 is back, without restart', async () => {
    const { world, sidecar, setFaults } = await rig(s3, { spoolMaxBytes: 512 * 1024 * 1024 });
    // A 2 MiB disk under a spool configured far bigger: the disk, not the setting, fills first.
    await setFaults({ rules: [], quota: { path: '/spool/', bytes: 2 * 1024 * 1024 } });
    const conns = [await connectThroughSidecar(world, sidecar.url), await connectThroughSidecar(world, sidecar.url)];
    await world.s3.stop();
    const run = load(conns, 100_000);
    const deadline = Date.now() + 90_000;
    while (run.failed.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(run.failed.length).toBeGreaterThanOrEqual(10);
    await world.s3.start();
    const back = Date.now();
    let servedAgain = false;
    while (!servedAgain && Date.now() < back + 60_000) {
      await new Promise((r) => setTimeout(r, 250));
      servedAgain = run.acked.filter((a) => a.at > back).length >= 20;
    }
    await run.stop();
    for (const c of conns) await destroy(c);
    await sidecar.stop();
    expect(servedAgain).toBe(true);
    for (const f of run.failed) expect(f.code).toBe('399502');
    await checkRecord(world, 'required', run.acked.map((a) => a.id));
  }, 240_000);
});
