import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { baseOptions, connect, destroy, execute, type Connection } from './driver.js';
import { rawLogin, rawQuery } from './raw.js';

const BIG = 'select range as id from range(3000)';

function checkIds(rows: Record<string, unknown>[], n: number): void {
  expect(rows).toHaveLength(n);
  rows.forEach((r, i) => {
    if (r.ID !== i) throw new Error(`row ${i} is ${String(r.ID)}`);
  });
}

describe('fault injection switches', () => {
  let emu: EmulatorHandle;
  let conn: Connection;

  beforeAll(async () => {
    emu = await startEmulator({
      account: 'SNOWTRAIL',
      users: [{ name: 'bob', password: 's3cret' }],
      chunking: { inlineRows: 100, rowsPerChunk: 1000 },
    });
    conn = await connect({ ...baseOptions(emu.url), username: 'bob', password: 's3cret' });
  });
  afterEach(() => emu.faults.clear());
  afterAll(async () => {
    await destroy(conn);
    await emu.close();
  });

  it('delays answers', async () => {
    emu.faults.set({ delayMs: 300 });
    const t0 = Date.now();
    expect((await execute(conn, 'select 1 as one')).rows).toEqual([{ ONE: 1 }]);
    // A lower bound only: the injected delay must have been applied.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(emu.faults.stats().delayed).toBeGreaterThan(0);
  });

  it('answers 5xx a set number of times; the driver retries and succeeds', async () => {
    const before = emu.faults.stats().serverErrors;
    emu.faults.set({ serverError: { count: 1, status: 503, target: 'query' } });
    expect((await execute(conn, 'select 2 as two')).rows).toEqual([{ TWO: 2 }]);
    expect(emu.faults.stats().serverErrors - before).toBe(1);
    expect(emu.faults.current().serverError?.count).toBe(0);
  });

  it('resets connections; the driver retries the same request and it runs once', async () => {
    await execute(conn, 'create or replace table r (a int)');
    emu.faults.set({ resetConnection: { count: 1, target: 'query' } });
    await execute(conn, 'insert into r values (1)');
    expect(emu.faults.stats().resets).toBe(1);
    expect((await execute(conn, 'select count(*) as n from r')).rows).toEqual([{ N: 1 }]);
  });

  it('expires sessions (over HTTP too): the driver renews transparently', async () => {
    const res = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ expireSessions: true }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { stats: { sessionsExpired: number } }).stats.sessionsExpired).toBeGreaterThan(0);
    expect((await execute(conn, 'select 3 as three')).rows).toEqual([{ THREE: 3 }]);
  });

  it('corrupts a chunk once; the driver re-downloads it and gets every row', async () => {
    emu.faults.set({ corruptChunk: { count: 1 } });
    checkIds((await execute(conn, BIG)).rows, 3000);
    expect(emu.faults.stats().corruptedChunks).toBe(1);
  });

  it('withholds a chunk: the statement fails instead of returning partial data', async () => {
    emu.faults.set({ withholdChunk: { count: 100 } });
    const err = await execute(conn, BIG).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(emu.faults.stats().withheldChunks).toBeGreaterThan(0);
    emu.faults.clear();
    checkIds((await execute(conn, BIG)).rows, 3000);
  });

  it('throttles chunk bandwidth and still delivers every row', async () => {
    const token = await rawLogin(emu.url, 'bob', 's3cret');
    const env = await rawQuery(emu.url, token, BIG);
    const chunk = env.data.chunks![0]!;
    const size = Number((chunk as unknown as { compressedSize: number }).compressedSize);
    emu.faults.set({ throttleBytesPerSecond: Math.ceil(size / 2) });
    const t0 = Date.now();
    const res = await fetch(chunk.url, { headers: env.data.chunkHeaders });
    const text = await res.text();
    // Lower bound only: at half the chunk per second, the body needs at least a second.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(JSON.parse(`[${text}]`)).toHaveLength(1000);
    expect(emu.faults.stats().throttledBytes).toBe(size);
    emu.faults.set({ throttleBytesPerSecond: 200_000 });
    checkIds((await execute(conn, BIG)).rows, 3000);
  });

  it('switches faults over HTTP and refuses malformed switches with a clear error', async () => {
    const set = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ delayMs: 5, serverError: { count: 2, target: 'login' } }) });
    expect(((await set.json()) as { faults: unknown }).faults).toEqual({ delayMs: 5, serverError: { count: 2, target: 'login' } });
    expect(emu.faults.current()).toEqual({ delayMs: 5, serverError: { count: 2, target: 'login' } });
    const bad = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ explode: true }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'SNOWTRAIL_ERR_EMULATOR_INVALID_FAULTS' });
    const off = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: '{}' });
    expect(((await off.json()) as { faults: unknown }).faults).toEqual({});
  });
});

describe('faults set per run', () => {
  let emu: EmulatorHandle | undefined;
  afterAll(async () => {
    await emu?.close();
  });

  it('applies start-up faults: the first login gets a 503 and the driver retries it', async () => {
    emu = await startEmulator({
      account: 'SNOWTRAIL',
      users: [{ name: 'bob', password: 's3cret' }],
      faults: { serverError: { count: 1, target: 'login' } },
    });
    const conn = await connect({ ...baseOptions(emu.url), username: 'bob', password: 's3cret' });
    expect(emu.faults.stats().serverErrors).toBe(1);
    expect(emu.logins.filter((l) => l.success)).toHaveLength(1);
    await destroy(conn);
  });
});
