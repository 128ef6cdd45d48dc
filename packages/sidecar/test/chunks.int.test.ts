import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { isGzip } from '@snowtrail/protocol';
import { destroy, execute, metricValue, startStack, type Connection, type Stack } from './harness.js';
import { rawLogin, rawQuery, rawResult } from './raw-client.js';

describe('large results: every chunk flows through the sidecar', () => {
  let stack: Stack;
  let conn: Connection | undefined;
  beforeAll(async () => {
    stack = await startStack({ emulator: { chunking: { inlineRows: 1000, rowsPerChunk: 25000 } } });
    conn = await stack.connect();
  });
  afterAll(async () => {
    await destroy(conn);
    await stack.close();
  });

  it('delivers a 200,000-row chunked result intact and records every byte the client got', async () => {
    const { rows, statement } = await execute(conn!, "select range as id, 'row-' || range as label from range(200000)");
    expect(rows).toHaveLength(200_000);
    let expected = 0;
    for (const r of rows) {
      if (r.ID !== expected || r.LABEL !== `row-${expected}`) throw new Error(`row ${expected} wrong: ${JSON.stringify(r)}`);
      expected++;
    }
    const queryId = statement.getQueryId();
    const parts = stack.memory!.events.filter((e) => e.type === 'result' && (e.info as { queryId?: string }).queryId === queryId);
    const chunkParts = parts.filter((e) => (e.info as { part: string }).part.startsWith('chunk:'));
    expect(chunkParts).toHaveLength(8);
    let recordedRows = 0;
    for (const p of chunkParts) {
      const text = (isGzip(p.bytes!) ? gunzipSync(p.bytes!) : p.bytes!).toString('utf8');
      const chunkRows = JSON.parse(`[${text}]`) as string[][];
      expect(chunkRows).toHaveLength((p.info as { rowCount: number }).rowCount);
      recordedRows += chunkRows.length;
    }
    const inline = parts.find((e) => (e.info as { part: string }).part === 'inline')!;
    expect((inline.info as { rowCount: number }).rowCount + recordedRows).toBe(200_000);
    const chunkBytes = chunkParts.reduce((n, p) => n + p.bytes!.length, 0);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_chunk_bytes_total')).toBe(chunkBytes);
  });

  it('rewrites chunk URLs to unguessable sidecar capabilities and keeps the storage keys inside', async () => {
    const handle = await rawLogin(stack.sidecar.url, await stack.mint());
    const env = await rawQuery(stack.sidecar.url, handle, 'select range as id from range(30000)');
    const chunks = env.data.chunks!;
    expect(chunks.length).toBe(2);
    for (const c of chunks) expect(c.url).toMatch(new RegExp(`^${stack.sidecar.url}/__snowtrail/chunks/[A-Za-z0-9_-]{43}$`));
    expect(env.data).not.toHaveProperty('qrmk');
    expect(env.data).not.toHaveProperty('chunkHeaders');
    expect(JSON.stringify(env)).not.toContain(stack.emulator.url);

    // No headers needed: the sidecar adds the original SSE-C headers itself.
    const ok = await fetch(chunks[0]!.url);
    expect(ok.status).toBe(200);
    const body = Buffer.from(await ok.arrayBuffer());
    expect(JSON.parse(`[${body.toString('utf8')}]`)).toHaveLength(chunks[0]!.rowCount);

    const guessed = await fetch(`${stack.sidecar.url}/__snowtrail/chunks/${'A'.repeat(43)}`);
    expect(guessed.status).toBe(403);
    expect(guessed.headers.get('content-type')).toBe('application/xml');

    // The driver's 403 refresh: fetching the result by id again yields fresh, working capabilities
    // that replace the old ones.
    const original = Buffer.from(await (await fetch(chunks[1]!.url)).arrayBuffer());
    const again = await rawResult(stack.sidecar.url, handle, env.data.queryId!);
    expect(again.data.chunks![0]!.url).not.toBe(chunks[0]!.url);
    const refreshed = Buffer.from(await (await fetch(again.data.chunks![1]!.url)).arrayBuffer());
    expect(createHash('sha256').update(refreshed).digest('hex')).toBe(createHash('sha256').update(original).digest('hex'));
    expect((await fetch(chunks[1]!.url)).status).toBe(403);
  });

  it('does not serve results of query ids the sidecar never saw', async () => {
    const handle = await rawLogin(stack.sidecar.url, await stack.mint());
    const env = await rawResult(stack.sidecar.url, handle, '01c2f5c5-0814-a22c-0001-dd6a7fc3c4c3');
    expect(env).toMatchObject({ success: false, code: '000709' });
  });
});
