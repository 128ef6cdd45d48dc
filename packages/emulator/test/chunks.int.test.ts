import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gunzipSync } from 'node:zlib';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { baseOptions, connect, destroy, execute, type Connection } from './driver.js';
import { rawLogin, rawQuery } from './raw.js';

describe('large results as chunks (docs/protocol.md §6)', () => {
  let emu: EmulatorHandle;
  let conn: Connection;

  beforeAll(async () => {
    emu = await startEmulator({
      account: 'SNOWTRAIL',
      users: [{ name: 'bob', password: 's3cret' }],
      chunking: { inlineRows: 1000, rowsPerChunk: 25000 },
    });
    conn = await connect({ ...baseOptions(emu.url), username: 'bob', password: 's3cret' });
  });
  afterAll(async () => {
    await destroy(conn);
    await emu.close();
  });

  it('delivers a 200,000-row result to snowflake-sdk through chunks, in order', async () => {
    const { rows, statement } = await execute(conn, "select range as id, 'row-' || range as label, range * 0.5 as half from range(200000)");
    expect(rows).toHaveLength(200_000);
    expect(statement.getNumRows()).toBe(200_000);
    expect(rows[0]).toEqual({ ID: 0, LABEL: 'row-0', HALF: 0 });
    expect(rows[199_999]).toEqual({ ID: 199_999, LABEL: 'row-199999', HALF: 99_999.5 });
    let expected = 0;
    for (const r of rows) {
      if (r.ID !== expected) throw new Error(`row ${expected} out of order: ${String(r.ID)}`);
      expected++;
    }
  });

  it('answers the first rows inline and the rest as chunks whose row counts add up', async () => {
    const token = await rawLogin(emu.url, 'bob', 's3cret');
    const env = await rawQuery(emu.url, token, 'select range as id from range(60000)');
    expect(env.success).toBe(true);
    expect(env.data.rowset).toHaveLength(1000);
    expect(env.data.returned).toBe(60_000);
    const chunks = env.data.chunks!;
    expect(chunks.map((c) => c.rowCount)).toEqual([25000, 25000, 9000]);
    expect(chunks[0]!.url).toMatch(new RegExp(`^${emu.url}/__chunks/[A-Za-z0-9_-]{32}/0$`));
    expect(Object.keys(env.data.chunkHeaders!).sort()).toEqual([
      'x-amz-server-side-encryption-customer-algorithm',
      'x-amz-server-side-encryption-customer-key',
      'x-amz-server-side-encryption-customer-key-md5',
    ]);
  });

  it('holds a 200,000-row result compressed, at a fraction of its JSON size', async () => {
    const token = await rawLogin(emu.url, 'bob', 's3cret');
    const env = await rawQuery(emu.url, token, "select range as id, 'row-' || range as label, range * 0.5 as half from range(200000)");
    const chunks = env.data.chunks as unknown as { rowCount: number; compressedSize: number; uncompressedSize: number }[];
    const rows = (env.data.rowset?.length ?? 0) + chunks.reduce((n, c) => n + c.rowCount, 0);
    const compressed = chunks.reduce((n, c) => n + c.compressedSize, 0);
    const json = chunks.reduce((n, c) => n + c.uncompressedSize, 0);
    expect(rows).toBe(200_000);
    expect(json).toBeGreaterThan(6_000_000);
    expect(compressed).toBeLessThan(json / 4);
  });

  it('serves chunks like cloud storage: SSE-C headers required, gzip body without outer brackets', async () => {
    const token = await rawLogin(emu.url, 'bob', 's3cret');
    const env = await rawQuery(emu.url, token, "select range as id, 'x' as s from range(1010)");
    const url = env.data.chunks![0]!.url;

    const missing = await fetch(url);
    expect(missing.status).toBe(403);
    expect(missing.headers.get('content-type')).toBe('application/xml');
    expect(await missing.text()).toContain('<Code>AccessDenied</Code>');

    const wrongKey = await fetch(url, { headers: { ...env.data.chunkHeaders, 'x-amz-server-side-encryption-customer-key': Buffer.alloc(32).toString('base64') } });
    expect(wrongKey.status).toBe(403);

    const guessed = await fetch(url.replace(/__chunks\/[^/]+/, '__chunks/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), { headers: env.data.chunkHeaders });
    expect(guessed.status).toBe(403);

    // Read the raw bytes (no automatic decompression) to check the exact wire format.
    const { request } = await import('node:http');
    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      request(url, { headers: env.data.chunkHeaders }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
      })
        .on('error', reject)
        .end();
    });
    expect(raw.headers['content-type']).toBe('binary/octet-stream');
    expect(raw.headers['content-encoding']).toBe('gzip');
    const text = gunzipSync(raw.body).toString();
    expect(text.startsWith('["1000","x"],["1001","x"]')).toBe(true);
    expect(text.endsWith('["1009","x"]')).toBe(true);
  });
});
