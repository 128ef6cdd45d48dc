import { afterEach, describe, expect, it } from '@jest/globals';
import { createS3Store, readSessionEvents, loadSessionListing, type RecordingEvent } from '@snowtrail/recording';
import { connectDirect, connectThroughSidecar, destroy, execute, runCli, startSidecarProcess, startWorld, type Connection, type SidecarProcess, type World } from './harness.js';

// The recording fault suite through the real `snowtrail sidecar --config` process.
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

async function setup(recording: Record<string, unknown>): Promise<World> {
  const world = await startWorld({ recording });
  cleanup.push(() => world.close());
  return world;
}

async function sidecarOf(world: World): Promise<SidecarProcess> {
  const p = await startSidecarProcess(world);
  cleanup.push(() => p.kill());
  return p;
}

async function sessionEvents(world: World, podName = 'etl-5c8d-x2v9q'): Promise<{ sessionId: string; events: RecordingEvent[] }> {
  const listed = await runCli(['sessions', 'list', '-o', 'json', '--pod', podName, ...world.storeArgs], world.env);
  expect(listed.code).toBe(0);
  const ids = (JSON.parse(listed.stdout) as { sessionId: string; kind: string }[]).filter((s) => s.kind === 'session').map((s) => s.sessionId);
  expect(ids).toHaveLength(1);
  const store = createS3Store({ client: world.s3.client(), bucket: world.bucket, prefix: 'audit/' });
  const events: RecordingEvent[] = [];
  for await (const e of readSessionEvents(store, ids[0]!)) events.push(e);
  return { sessionId: ids[0]!, events };
}

const insertedIds = (events: RecordingEvent[]): number[] =>
  events.filter((e) => e.type === 'query').map((e) => /values \((\d+)\)/.exec(String(e.data.sqlText))?.[1]).filter((x): x is string => x !== undefined).map(Number);

describe('recording faults through the sidecar process', () => {
  it('SIGKILL mid-session: after restart the session is complete up to the last acknowledged statement and marked interrupted', async () => {
    const world = await setup({ flush: { intervalSeconds: 3600, maxBytes: 8 * 1024 * 1024 } });
    const first = await sidecarOf(world);
    const conn = await connectThroughSidecar(world, first.url);
    const acknowledged: number[] = [];
    for (let i = 0; i < 25; i++) {
      await execute(conn, `insert into ledger values (${1000 + i})`);
      acknowledged.push(1000 + i);
    }
    // The process dies mid-session without any chance to flush or end the session. (No statement is
    // left in flight: the driver would retry it against the dead port for minutes.)
    await first.kill();
    void destroy(conn);
    // Nothing was uploaded before the kill (flush interval of an hour): it all sat in the spool.
    expect((await runCli(['sessions', 'list', '-o', 'json', ...world.storeArgs], world.env)).stdout.trim()).toBe('[]');
    const second = await sidecarOf(world);
    const { sessionId, events } = await sessionEvents(world);
    const ids = insertedIds(events);
    expect(ids.slice(0, acknowledged.length)).toEqual(acknowledged);
    // Acknowledged means: the `query` event was durable before the statement was forwarded and its
    // `result` before the answer was released. (`query.end` is written after the answer, so the very
    // last statement's may be lost with the process.)
    for (const [n, id] of acknowledged.entries()) {
      const q = events.find((e) => e.type === 'query' && String(e.data.sqlText).includes(`(${id})`))!;
      expect(events.some((e) => e.type === 'result' && e.data.requestId === q.data.requestId && e.data.part === 'inline')).toBe(true);
      if (n < acknowledged.length - 1) expect(events.some((e) => e.type === 'query.end' && e.data.requestId === q.data.requestId && e.data.status === 'success')).toBe(true);
    }
    expect(events[events.length - 1]).toMatchObject({ type: 'session.interrupted', data: { reason: 'process_restart' } });
    const verified = await runCli(['sessions', 'verify', sessionId, ...world.storeArgs], world.env);
    expect(verified.stdout).toContain('status interrupted');
    expect(verified.code).toBe(0);
    await second.stop();
  }, 240_000);

  it('S3 stopped for 60 s under continuous queries: no query fails, zero events lost, backlog drained', async () => {
    const world = await setup({ flush: { intervalSeconds: 1, maxBytes: 64 * 1024 } });
    const sidecar = await sidecarOf(world);
    const conn: Connection = await connectThroughSidecar(world, sidecar.url);
    let running = true;
    const done: number[] = [];
    const failures: string[] = [];
    const load = (async () => {
      for (let i = 0; running; i++) {
        try {
          await execute(conn, `insert into ledger values (${10_000 + i})`);
          done.push(10_000 + i);
        } catch (err) {
          failures.push((err as Error).message);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 3000));
    await world.s3.stop();
    const atStop = done.length;
    await new Promise((r) => setTimeout(r, 60_000));
    expect(done.length).toBeGreaterThan(atStop);
    await world.s3.start();
    await new Promise((r) => setTimeout(r, 3000));
    running = false;
    await load;
    await destroy(conn);
    await sidecar.stop();
    expect(failures).toEqual([]);
    const { sessionId, events } = await sessionEvents(world);
    expect(insertedIds(events)).toEqual(done);
    const verified = await runCli(['sessions', 'verify', sessionId, ...world.storeArgs], world.env);
    expect(verified.code).toBe(0);
  }, 300_000);

  it('spool full in required mode: statements are refused and never reach Snowflake; service resumes when the store is back', async () => {
    const world = await setup({ spoolMaxBytes: 48 * 1024, flush: { intervalSeconds: 0.5, maxBytes: 16 * 1024 } });
    const sidecar = await sidecarOf(world);
    const conn = await connectThroughSidecar(world, sidecar.url);
    await world.s3.stop();
    const refused: { id: number; code: string; message: string }[] = [];
    const accepted: number[] = [];
    for (let i = 0; i < 300 && refused.length < 4; i++) {
      try {
        await execute(conn, `insert into ledger values (${20_000 + i})`);
        accepted.push(20_000 + i);
      } catch (err) {
        const e = err as { code?: string; message: string };
        refused.push({ id: 20_000 + i, code: String(e.code), message: e.message });
      }
    }
    expect(refused.length).toBe(4);
    for (const r of refused) {
      expect(r.code).toBe('399502');
      expect(r.message).toContain('cannot be recorded');
    }
    const direct = await connectDirect(world);
    const inSnowflake = (await execute(direct, 'select id from ledger order by id')).map((r) => Number(r.ID));
    await destroy(direct);
    expect(inSnowflake).toEqual(expect.arrayContaining(accepted));
    // Once the spool is full, refused statements never reach Snowflake. (A statement whose `query`
    // event was durable may have run and had only its result withheld; the recording shows it.)
    expect(refused.filter((r) => !inSnowflake.includes(r.id)).length).toBeGreaterThanOrEqual(1);
    // The store comes back: the backlog drains, spool space is freed, statements run again.
    await world.s3.start();
    let resumed = false;
    for (let i = 0; i < 60 && !resumed; i++) {
      try {
        await execute(conn, 'insert into ledger values (30000)');
        resumed = true;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    expect(resumed).toBe(true);
    await destroy(conn);
    await sidecar.stop();
    const { sessionId, events } = await sessionEvents(world);
    const ids = insertedIds(events);
    // Nothing reached Snowflake unrecorded: every row there has its statement's `query` event.
    for (const id of inSnowflake) expect(ids).toContain(id);
    expect(ids.slice(0, accepted.length)).toEqual(accepted);
    expect(ids).toContain(30000);
    const store = createS3Store({ client: world.s3.client(), bucket: world.bucket, prefix: 'audit/' });
    expect((await loadSessionListing(store, sessionId)).summary.status).toBe('ended');
    expect((await runCli(['sessions', 'verify', sessionId, ...world.storeArgs], world.env)).code).toBe(0);
  }, 240_000);
});
